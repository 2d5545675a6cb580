"""HL7 v2 in: ORU^R01 vital signs from monitors, over HTTP and MLLP (docs/hl7.md)."""
