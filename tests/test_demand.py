"""The cohort forecast: hand arithmetic on toy tables, conservation, the bundled district."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from layout_opt.demand import Forecast, ForecastParams, forecast, forecast_district, round_preserving_totals
from layout_opt.schema import BANDS

BASE = 2023
#: No retention loss, no drift: only the exact grade shift and enrolment remain.
PLAIN = ForecastParams(horizon_year=2025, retention=1.0, urban_drift_per_year=0.0)


def village(village_id: str, town: str, ur: int, population: int, **counts: int) -> dict:
    row = {"village_id": village_id, "town_code": town, "ur_code": ur, "population": population}
    row |= {f"g{g}": 0 for g in range(1, 13)} | {f"a{a}": 0 for a in range(6)}
    row |= counts
    return row


def table(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


@pytest.fixture
def toy() -> pd.DataFrame:
    """Town T1: a village R (220), a town-seat centre S (121), a town-seat fringe U (122).

    Town T2: only a village W (220).  Town T3: a main-urban unit M (111).
    """
    return table(
        village("R", "T1", 220, 1000, g1=200, g2=20, g9=100, g10=10, a5=40, a4=30, a0=100),
        village("S", "T1", 121, 3000, g1=60, a5=50),
        village("U", "T1", 122, 1000, g1=20, a5=10),
        village("W", "T2", 220, 500, g1=100),
        village("M", "T3", 111, 4000, g1=80),
    )


def pupils(f: Forecast, year: int, vid: str, grade: int) -> int:
    return int(f.for_years([year])[0, list(f.village_ids).index(vid), grade - 1])


# --------------------------------------------------------------------------- hand arithmetic


def test_base_year_is_the_data_unchanged(toy):
    f = forecast(toy, BASE)
    assert f.years.tolist() == list(range(2023, 2031))
    grades = toy[[f"g{g}" for g in range(1, 13)]].to_numpy()
    np.testing.assert_array_equal(f.for_years([BASE])[0][:, :12], grades)
    np.testing.assert_array_equal(f.pupils[0][:, :12], grades)
    # a table without k1..k3 has no kindergarten children in the base year
    assert f.pupils.shape[2] == 15 and f.pupils[0][:, 12:].sum() == 0


def test_grades_shift_by_one_each_year(toy):
    f = forecast(toy, BASE, PLAIN)
    # R: g1 200 -> g2 200 -> g3 200; g2 20 -> g3 20 -> g4 20
    assert [pupils(f, y, "R", g) for y, g in ((2024, 2), (2025, 3), (2024, 3), (2025, 4))] == [200, 200, 20, 20]
    # grade 9 -> 10 takes the senior entry share (0.5); 10 -> 11 -> 12 -> leaves
    assert pupils(f, 2024, "R", 10) == 50
    assert pupils(f, 2024, "R", 11) == 10
    assert pupils(f, 2025, "R", 11) == 50
    assert pupils(f, 2025, "R", 12) == 10
    assert f.pupils[2, :, :].sum() == f.expected[2].sum()  # integers throughout


def test_retention_applied_per_transition(toy):
    f = forecast(toy, BASE, PLAIN.replace(retention=0.9, senior_entry_share=0.4))
    assert pupils(f, 2024, "R", 2) == 180  # 200 * 0.9
    assert pupils(f, 2025, "R", 3) == 162  # 200 * 0.9 * 0.9
    assert pupils(f, 2024, "R", 10) == 40  # 100 * 0.4, no retention on top
    assert pupils(f, 2024, "R", 11) == 9  # 10 * 0.9


def test_grade1_from_age5_with_enrolment_age_6(toy):
    f = forecast(toy, BASE, PLAIN.replace(horizon_year=2029, enrolment_factor=0.5))
    # a child aged 5 in 2023 (born 2018) starts grade 1 in 2024; aged 4 in 2025; aged 0 in 2029
    assert pupils(f, 2024, "R", 1) == 20  # a5 40 * 0.5
    assert pupils(f, 2025, "R", 1) == 15  # a4 30 * 0.5
    assert pupils(f, 2029, "R", 1) == 50  # a0 100 * 0.5
    assert pupils(f, 2024, "S", 1) == 25


def test_grade1_from_age6_with_enrolment_age_7(toy):
    f = forecast(toy, BASE, PLAIN.replace(horizon_year=2030, enrolment_age=7))
    # aged 6 in y-1 enters in y: 2025 takes a5 of 2023, 2026 a4, 2030 a0
    assert pupils(f, 2025, "R", 1) == 40
    assert pupils(f, 2026, "R", 1) == 30
    assert pupils(f, 2030, "R", 1) == 100
    # 2024 needs age 6 in 2023, not in the table: mean of g1 (born 2016) and a5 (born 2018)
    assert pupils(f, 2024, "R", 1) == 120  # (200 + 40) / 2
    assert pupils(f, 2024, "S", 1) == 55  # (60 + 50) / 2


def test_enrolment_age_7_uses_an_a6_column_when_given(toy):
    f = forecast(toy.assign(a6=[70, 0, 0, 0, 0]), BASE, PLAIN.replace(enrolment_age=7, enrolment_factor=0.5))
    assert pupils(f, 2024, "R", 1) == 35
    assert pupils(f, 2025, "R", 1) == 20


def test_births_trend_continues_a0_for_unborn_cohorts(toy):
    p = PLAIN.replace(horizon_year=2031, births_trend_per_year=-0.1)
    f = forecast(toy, BASE, p)
    assert pupils(f, 2029, "R", 1) == 100  # born 2023: a0 itself
    assert pupils(f, 2030, "R", 1) == 90  # born 2024: 100 * 0.9
    assert pupils(f, 2031, "R", 1) == 81  # born 2025: 100 * 0.9 ** 2
    flat = forecast(toy, BASE, p.replace(births_trend_per_year=0.0))
    assert pupils(flat, 2031, "R", 1) == 100


def test_drift_moves_village_pupils_to_own_town_seat_by_residents(toy):
    f = forecast(toy, BASE, PLAIN.replace(horizon_year=2024, urban_drift_per_year=0.1))
    # R's grade 2 in 2024 is its 200 first-graders; 10 % = 20 move, S:U = 3000:1000
    assert pupils(f, 2024, "R", 2) == 180
    assert pupils(f, 2024, "S", 2) == 60 + 15
    assert pupils(f, 2024, "U", 2) == 20 + 5
    # new first-graders drift too: R's a5 40 -> 36 stay, 3 to S, 1 to U
    assert (pupils(f, 2024, "R", 1), pupils(f, 2024, "S", 1), pupils(f, 2024, "U", 1)) == (36, 53, 11)
    # the town-seat fringe (122) does not lose pupils; the main urban area gets none of T1's
    # (only W's, tested below)
    assert pupils(f, 2024, "M", 2) == 80 + 10
    # senior grades do not drift (drift_last_grade 9)
    assert (pupils(f, 2024, "R", 10), pupils(f, 2024, "R", 11)) == (50, 10)


def test_drift_from_a_town_without_town_seat_goes_to_main_urban_area(toy):
    f = forecast(toy, BASE, PLAIN.replace(horizon_year=2024, urban_drift_per_year=0.1))
    assert pupils(f, 2024, "W", 2) == 90
    assert pupils(f, 2024, "M", 2) == 80 + 10


def test_drift_to_main_urban_area(toy):
    f = forecast(toy, BASE, PLAIN.replace(horizon_year=2024, urban_drift_per_year=0.1, drift_destination="main_urban"))
    assert pupils(f, 2024, "R", 2) == 180
    assert pupils(f, 2024, "S", 2) == 60
    assert pupils(f, 2024, "M", 2) == 80 + 20 + 10


def test_drift_compounds_over_years(toy):
    f = forecast(toy, BASE, PLAIN.replace(horizon_year=2025, urban_drift_per_year=0.1))
    assert pupils(f, 2025, "R", 3) == 162  # 200 * 0.9 * 0.9
    # S: 75 in 2024 + 3/4 of the 18 moved in 2025 = 88.5; U: 25 + 4.5 = 29.5
    i = list(f.village_ids).index
    assert f.expected[2, i("S"), 2] == pytest.approx(88.5)
    assert f.expected[2, i("U"), 2] == pytest.approx(29.5)
    # the grade total 280 is kept; the tie of remainders goes to the earlier village
    assert (pupils(f, 2025, "S", 3), pupils(f, 2025, "U", 3)) == (89, 29)


def test_drift_last_grade_extends_drift_to_senior(toy):
    f = forecast(toy, BASE, PLAIN.replace(horizon_year=2024, urban_drift_per_year=0.1, drift_last_grade=12))
    assert pupils(f, 2024, "R", 10) == 45
    assert pupils(f, 2024, "R", 11) == 9


def test_no_drift_when_district_has_no_receiving_unit(caplog):
    rural = table(village("A", "T1", 220, 100, g1=10), village("B", "T2", 220, 100, g1=20))
    with caplog.at_level(logging.WARNING, logger="layout_opt.demand"):
        f = forecast(rural, BASE, PLAIN.replace(urban_drift_per_year=0.2))
    assert pupils(f, 2024, "A", 2) == 10
    assert "T1" in caplog.text


# --------------------------------------------------------------------------- conservation and rounding


@pytest.mark.parametrize("destination", ["town_seat", "main_urban"])
def test_drift_moves_pupils_and_creates_none(mengjin, destination):
    p = ForecastParams(
        retention=1.0,
        senior_entry_share=1.0,
        urban_drift_per_year=0.05,
        drift_destination=destination,
        drift_last_grade=12,
    )
    with_drift = forecast_district(mengjin, p)
    without = forecast_district(mengjin, p.replace(urban_drift_per_year=0.0))
    np.testing.assert_array_equal(with_drift.pupils.sum(axis=1), without.pupils.sum(axis=1))
    # with retention 1 every cohort keeps its size: grade g+1 next year == grade g this year
    tot = with_drift.pupils.sum(axis=1)[:, :12]  # the school grades (kindergartens are 13-15)
    np.testing.assert_array_equal(tot[1:, 1:], tot[:-1, :-1])
    # and village pupils did move
    rural = (mengjin.villages["ur_code"] == 220).to_numpy()
    assert with_drift.pupils[-1, rural].sum() < without.pupils[-1, rural].sum()


def test_rounding_keeps_totals_and_each_village_within_one_pupil(mengjin):
    f = forecast_district(mengjin)
    assert f.pupils.dtype == np.int64
    assert (f.pupils >= 0).all()
    assert np.abs(f.pupils - f.expected).max() < 1.0
    np.testing.assert_array_equal(f.pupils.sum(axis=1), np.rint(f.expected.sum(axis=1)))


def test_round_preserving_totals_by_hand():
    x = np.array([[[0.5], [0.5], [1.2]], [[0.4], [0.4], [0.4]]])  # 2 years, 3 villages, 1 grade
    out = round_preserving_totals(x)
    # totals 2.2 -> 2 and 1.2 -> 1; the spare pupil goes to the largest remainder, ties to
    # the earlier village
    assert out[:, :, 0].tolist() == [[1, 0, 1], [1, 0, 0]]


# --------------------------------------------------------------------------- the bundled district


def test_primary_falls_and_junior_holds_on_bundled_data(mengjin):
    t = forecast_district(mengjin).totals()
    primary = t["lower_primary"] + t["upper_primary"]
    assert (np.diff(primary.loc[2024:2030].to_numpy()) < 0).all()
    assert primary[2030] < 0.8 * primary[2024]
    junior = t["junior"]
    assert junior.loc[2024:2026].between(0.95 * junior[2023], 1.05 * junior[2023]).all()
    assert t["lower_primary"][2030] < 0.6 * t["lower_primary"][2023]  # births halved


def test_grade1_2024_is_age5_of_2023_times_enrolment_factor(mengjin):
    a5 = int(mengjin.villages["a5"].sum())
    f = forecast_district(mengjin)
    assert int(f.for_years([2024])[0, :, 0].sum()) == a5
    g = forecast_district(mengjin, ForecastParams(enrolment_factor=0.9))
    assert int(g.for_years([2024])[0, :, 0].sum()) == round(0.9 * a5)


def test_model_view_and_tables_agree(mengjin):
    f = forecast_district(mengjin)
    d = f.for_years((2024, 2025, 2026))
    assert d.shape == (3, len(mengjin.villages), 15) and d.dtype == np.int64
    assert f.village_ids.tolist() == mengjin.villages["village_id"].astype(str).tolist()
    np.testing.assert_array_equal(d[1], f.pupils[2])
    long = f.to_frame()
    assert list(long.columns) == ["year", "village_id", "grade", "pupils"]
    assert len(long) == f.pupils.size
    row = long.query("year == 2025 and grade == 7").set_index("village_id")["pupils"]
    np.testing.assert_array_equal(row.loc[f.village_ids].to_numpy(), f.pupils[2, :, 6])
    bands = f.by_band()
    assert list(bands.columns) == ["year", "village_id", "band", "pupils"]
    totals = f.totals()
    assert list(totals.columns) == list(BANDS)
    pd.testing.assert_series_equal(
        bands.groupby(["year", "band"])["pupils"].sum().unstack()[list(BANDS)].stack(),
        totals.stack().rename("pupils").reorder_levels(["year", "band"]),
        check_names=False,
    )
    assert totals.loc[2023, "senior"] == mengjin.villages[["g10", "g11", "g12"]].to_numpy().sum()


def test_years_outside_forecast_raise(mengjin):
    f = forecast_district(mengjin, ForecastParams(horizon_year=2026))
    with pytest.raises(ValueError, match="2027"):
        f.for_years([2026, 2027])


def test_input_is_not_modified(toy):
    before = toy.copy()
    forecast(toy, BASE, ForecastParams(urban_drift_per_year=0.1, enrolment_age=7))
    pd.testing.assert_frame_equal(toy, before)


def test_result_arrays_are_read_only(toy):
    f = forecast(toy, BASE)
    with pytest.raises(ValueError):
        f.pupils[0, 0, 0] = 1


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("horizon_year", 1990),
        ("horizon_year", 2030.5),
        ("enrolment_age", 5),
        ("enrolment_age", 8),
        ("enrolment_factor", 0.0),
        ("enrolment_factor", 2.0),
        ("retention", 0.2),
        ("retention", float("nan")),
        ("senior_entry_share", 1.1),
        ("senior_entry_share", -0.1),
        ("urban_drift_per_year", -0.01),
        ("urban_drift_per_year", 0.9),
        ("drift_last_grade", 0),
        ("drift_last_grade", 13),
        ("births_trend_per_year", -0.9),
        ("drift_destination", "county_seat"),
        ("retention", "0.99"),
    ],
)
def test_bad_parameters_raise_naming_the_parameter(name, value):
    with pytest.raises(ValueError, match=name):
        ForecastParams(**{name: value})


def test_horizon_before_base_year_raises(toy):
    with pytest.raises(ValueError, match="horizon_year"):
        forecast(toy, 2031, ForecastParams(horizon_year=2030))


def test_missing_column_raises_naming_it(toy):
    with pytest.raises(ValueError, match="a3"):
        forecast(toy.drop(columns="a3"), BASE)


def test_negative_count_raises_naming_column_and_village(toy):
    bad = toy.copy()
    bad.loc[2, "g4"] = -1
    with pytest.raises(ValueError, match=r"g4.*U"):
        forecast(bad, BASE)


def test_fractional_pupils_raise_naming_column(toy):
    with pytest.raises(ValueError, match=r"g2.*R"):
        forecast(toy.astype({"g2": float}).assign(g2=[20.5, 0, 0, 0, 0]), BASE)


def test_repeated_village_id_raises(toy):
    with pytest.raises(ValueError, match="village_id"):
        forecast(pd.concat([toy, toy.iloc[[0]]], ignore_index=True), BASE)
