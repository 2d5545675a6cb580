"""docs/hl7.md's mapping table is the code's: every OBX-3 code read is listed with its field,
and the table lists no code the code does not read."""

import re

from patients.hl7 import codes
from tests.support.paths import REPO

ROW = re.compile(r"^\| `(LN|MDC|99IL2)` (\S+) \| [^|]+ \| ([^|]+) \|", re.MULTILINE)


def test_the_mapping_table_lists_exactly_the_codes_read_with_their_fields():
    text = (REPO / "docs" / "hl7.md").read_text()
    documented = {(system, code): cell.strip() for system, code, cell in ROW.findall(text)}

    assert set(documented) == set(codes.CODES)
    for key, measure in codes.CODES.items():
        cell = documented[key]
        if measure.field is None:
            assert cell.startswith("read"), key
        else:
            assert cell == f"`{measure.field}`", key


def test_every_mdc_code_is_its_partition_and_term_and_named_by_its_reference_id():
    text = (REPO / "docs" / "hl7.md").read_text()
    for (system, code), measure in codes.CODES.items():
        if system == codes.MDC:
            assert measure.refid.startswith("MDC_"), code
            assert f"`MDC` {code} | {measure.refid}" in text
            assert int(code) // 65536 == 2, code  # SCADA: measurements
