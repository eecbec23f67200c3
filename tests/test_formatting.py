"""Numbers as the notebooks' and the library's tables print them (channelsim.formatting)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from channelsim.formatting import MISSING, number, styled, table_html


@pytest.mark.parametrize("value, shown", [
    (34_612.4, "34,612"), (250_000_000.0, "250,000,000"), (-1_690.2, "-1,690"), (299.0, "299"),
    (53.0, "53"), (45.66, "45.7"), (0.754, "0.754"), (0.5, "0.5"), (0.650, "0.65"), (0.04471, "0.0447"), (1e-5, "0.00001"),
    (1e-9, "0"), (np.float64(7.25), "7.25"), (np.int64(12), "12"), (math.nan, MISSING),
    (None, MISSING), (True, "True"), ("pilot", "pilot")])
def test_numbers_read_as_people_write_them(value, shown):
    assert number(value) == shown


def test_tables_have_no_exponent_no_nan_and_no_spurious_decimals():
    table = pd.DataFrame({"people": [34_612.4, 290.0], "share": [0.0447, math.nan], "runs": [3, 3]},
                         index=["a", "b"])
    for html in (table_html(table), styled(table).to_html()):
        assert "34,612" in html and "0.0447" in html and MISSING in html
        assert "e+0" not in html and "NaN" not in html and "290.00" not in html and ">290<" in html
