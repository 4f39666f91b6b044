"""The planner's API: Scenario (validation, TOML, describe, repr), solve's caches, compare,
and the Plan's views (KPIs, closure moves, addition reasons, display)."""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import layout_opt as lo
import layout_opt.api as api
from layout_opt import demand, travel
from layout_opt.examples import synthetic_district
from layout_opt.scenario import PARAMETERS, TOML_SECTIONS, Scenario

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TOML = ROOT / "scenarios" / "default.toml"
COMPULSORY = ("lower_primary", "upper_primary", "junior")


def _write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- TOML


def test_default_toml_is_the_default_scenario():
    assert Scenario.from_toml(DEFAULT_TOML) == Scenario()


def test_forecast_defaults_agree_between_scenario_and_forecast_params():
    """The forecast's own defaults (``ForecastParams()``) are the policy defaults too."""
    from layout_opt.demand import ForecastParams

    assert Scenario().forecast_params() == ForecastParams()
    changed = Scenario(retention=0.98, urban_drift_per_year=0.0).forecast_params()
    assert (changed.retention, changed.urban_drift_per_year) == (0.98, 0.0)


def test_default_toml_lists_every_parameter_with_its_unit_and_source():
    """scenarios/default.toml is what Scenario().to_toml() writes (header comments aside)."""
    ours = [line for line in Scenario().to_toml().splitlines() if not line.startswith("#")]
    theirs = [line for line in DEFAULT_TOML.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert ours == theirs
    raw = tomllib.loads(DEFAULT_TOML.read_text(encoding="utf-8"))
    keys = [k for table in raw.values() for k in table]
    assert sorted(keys) == sorted(f.name for f in fields(Scenario))


def test_toml_round_trip_of_a_changed_scenario(tmp_path):
    s = Scenario(
        name="短途 short trips",
        years=(2025, 2026),
        bands=COMPULSORY,
        class_cap_primary=40,
        day_limit_lower_primary_min=25.5,
        boarding_bands=("junior",),
        small_schools_keep_own_village_only=False,
        closure_target=-1,
        expand_ur_codes_primary=(111, 121),
        drift_destination="main_urban",
        backend="cp-sat",
        gap_target=1e-5,
    )
    path = _write(tmp_path, s.to_toml())
    assert Scenario.from_toml(path) == s
    assert Scenario.from_toml_text(s.to_toml()) == s


def test_toml_keys_may_be_flat_or_grouped(tmp_path):
    flat = _write(tmp_path, 'name = "x"\nclass_cap_primary = 40\nyears = [2026]\n', "flat.toml")
    grouped = _write(
        tmp_path, '[planning]\nname = "x"\nyears = [2026]\n[anything]\nclass_cap_primary = 40\n', "grouped.toml"
    )
    assert (
        Scenario.from_toml(flat)
        == Scenario.from_toml(grouped)
        == Scenario(name="x", years=(2026,), class_cap_primary=40)
    )


def test_unknown_toml_key_names_the_file_the_key_and_the_table(tmp_path):
    path = _write(tmp_path, "[class_caps]\nclass_cap_primary = 45\nclass_cap_primry = 40\n", "mine.toml")
    with pytest.raises(ValueError) as err:
        Scenario.from_toml(path)
    msg = str(err.value)
    assert msg.startswith("mine.toml: ")
    assert "'class_cap_primry'" in msg and "[class_caps]" in msg
    assert "did you mean 'class_cap_primary'" in msg


def test_unknown_top_level_key(tmp_path):
    path = _write(tmp_path, "colour = 'red'\n", "mine.toml")
    with pytest.raises(ValueError, match=r"mine\.toml: unknown parameter 'colour' at the top level"):
        Scenario.from_toml(path)


def test_a_key_given_twice_is_an_error(tmp_path):
    path = _write(tmp_path, "class_cap_primary = 40\n[class_caps]\nclass_cap_primary = 45\n", "twice.toml")
    with pytest.raises(
        ValueError, match=r"twice\.toml: parameter 'class_cap_primary' is given twice \(top level and \[class_caps\]\)"
    ):
        Scenario.from_toml(path)


def test_nested_tables_are_an_error(tmp_path):
    path = _write(tmp_path, "[caps.primary]\nclass_cap_primary = 45\n", "nested.toml")
    with pytest.raises(ValueError, match=r"nested\.toml: \[caps\.primary\]"):
        Scenario.from_toml(path)


def test_bad_toml_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match=r"broken\.toml: not valid TOML"):
        Scenario.from_toml(_write(tmp_path, "class_cap_primary = \n", "broken.toml"))
    with pytest.raises(ValueError, match=r"nowhere\.toml: scenario file not found"):
        Scenario.from_toml(tmp_path / "nowhere.toml")


def test_out_of_range_toml_value_names_the_file_the_parameter_and_the_range(tmp_path):
    path = _write(tmp_path, "[class_caps]\nclass_cap_junior = 120\n", "big.toml")
    with pytest.raises(ValueError) as err:
        Scenario.from_toml(path)
    assert str(err.value) == "big.toml: class_cap_junior = 120 is out of range: must be 10 to 80 (pupils per class)"


def test_wrong_type_in_toml_is_a_value_error_naming_the_file(tmp_path):
    path = _write(tmp_path, 'class_cap_primary = "forty"\n', "typo.toml")
    with pytest.raises(ValueError, match=r"typo\.toml: class_cap_primary must be a whole number, got 'forty'"):
        Scenario.from_toml(path)


def test_a_gbk_scenario_names_the_file_and_the_encoding(tmp_path):
    path = tmp_path / "gbk.toml"
    path.write_bytes('name = "孟津方案"\n'.encode("gbk"))
    with pytest.raises(ValueError) as err:
        Scenario.from_toml(path)
    assert str(err.value) == "gbk.toml: not UTF-8 text (byte 0xc3 on line 1); it looks GBK-encoded: save it as UTF-8"


def test_a_byte_order_mark_is_ignored(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes('\ufeff[planning]\nname = "孟津"\n'.encode())
    assert Scenario.from_toml(path) == Scenario(name="孟津")


def test_a_folder_is_not_a_scenario_file(tmp_path):
    with pytest.raises(ValueError, match=rf"^{tmp_path.name}: is a folder, not a scenario file$"):
        Scenario.from_toml(tmp_path)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"class_cap_primary": 0}, "class_cap_primary = 0 is out of range: must be 10 to 80 (pupils per class)"),
        (
            {"school_cap_nine_year": 50},
            "school_cap_nine_year = 50 is out of range: must be 100 to 10000 (pupils per school)",
        ),
        ({"day_limit_junior_min": 4}, "day_limit_junior_min = 4.0 is out of range: must be 5 to 180 (minutes one way)"),
        (
            {"boarding_limit_min": 400},
            "boarding_limit_min = 400.0 is out of range: must be 5 to 300 (minutes one way (weekly trip))",
        ),
        ({"closure_target": -2}, "closure_target = -2 is out of range: must be 0 to 10000, or -1 (schools)"),
        ({"years": (1999, 2024)}, "years = 1999 is out of range: must be 2000 to 2100 (school years)"),
        ({"retention": 2}, "retention = 2.0 is out of range: must be 0.5 to 1.2 (pupils next grade per pupil)"),
        ({"gap_target": -0.1}, "gap_target = -0.1 is out of range: must be 0 to 1 (relative gap)"),
        ({"backend": "gurobi"}, "backend: 'gurobi' is not allowed; must be one of 'highs', 'scip', 'cp-sat'"),
        (
            {"drift_destination": "abroad"},
            "drift_destination: 'abroad' is not allowed; must be one of 'town_seat', 'main_urban'",
        ),
        (
            {"bands": ("primary",)},
            "bands: 'primary' is not allowed; must be one of 'lower_primary', 'upper_primary', 'junior', 'senior'",
        ),
        (
            {"boarding_bands": ("lower_primary", "junior")},
            "boarding_bands: 'lower_primary' is not allowed; must be one of 'upper_primary', 'junior', 'senior'",
        ),
        (
            {"expand_ur_codes_primary": (111, 150)},
            "expand_ur_codes_primary: 150 is not allowed; must be one of 111, 112, 121, 122, 210, 220",
        ),
        ({"years": (2025, 2024)}, "years must be increasing and distinct, got [2025, 2024]"),
        ({"bands": ()}, "bands must name at least one band"),
        ({"bands": ("junior", "junior")}, "bands lists a band twice"),
        ({"name": " "}, "name must not be empty"),
    ],
)
def test_out_of_range_values_name_the_parameter_and_the_range(changes, message):
    with pytest.raises(ValueError) as err:
        Scenario(**changes)
    assert str(err.value).startswith(message)
    with pytest.raises(ValueError) as err:
        Scenario().replace(**changes)
    assert str(err.value).startswith(message)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"class_cap_primary": "45"}, "class_cap_primary must be a whole number, got '45'"),
        ({"class_cap_primary": 44.5}, "class_cap_primary must be a whole number, got 44.5"),
        ({"class_cap_primary": True}, "class_cap_primary must be a whole number, got True"),
        ({"day_limit_junior_min": "45"}, "day_limit_junior_min must be a number, got '45'"),
        (
            {"small_schools_keep_own_village_only": 1},
            "small_schools_keep_own_village_only must be true or false, got 1",
        ),
        ({"name": 7}, "name must be a text, got 7"),
        ({"years": 2024}, "years must be a list of whole numbers, got 2024"),
        ({"bands": "junior"}, "bands must be a list of texts, got 'junior'"),
    ],
)
def test_values_of_the_wrong_type_are_refused(changes, message):
    with pytest.raises(TypeError) as err:
        Scenario(**changes)
    assert str(err.value) == message


def test_values_are_normalised_to_the_field_types():
    s = Scenario(
        years=[2024, np.int64(2025)],
        class_cap_primary=np.int64(40),
        class_cap_junior=45.0,
        day_limit_junior_min=np.int32(40),
        small_schools_keep_own_village_only=np.bool_(False),
    )
    assert s.years == (2024, 2025) and all(type(y) is int for y in s.years)
    assert type(s.class_cap_primary) is int and s.class_cap_primary == 40
    assert type(s.class_cap_junior) is int and s.class_cap_junior == 45
    assert type(s.day_limit_junior_min) is float and s.day_limit_junior_min == 40.0
    assert s.small_schools_keep_own_village_only is False
    assert Scenario(closure_target=-1).closure_target == -1


def test_replace_checks_names_and_values_and_leaves_the_original():
    s = Scenario()
    with pytest.raises(
        TypeError, match=r"unknown scenario parameter 'class_cap_primry' \(did you mean 'class_cap_primary'\?\)"
    ):
        s.replace(class_cap_primry=40)
    with pytest.raises(TypeError, match=r"unknown scenario parameter 'zzz'$"):
        s.replace(zzz=1)
    with pytest.raises(ValueError, match="class_cap_primary = 5 is out of range"):
        s.replace(class_cap_primary=5)
    t = s.replace(class_cap_primary=40)
    assert t.class_cap_primary == 40 and s.class_cap_primary == 45 and t != s
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.class_cap_primary = 30  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"boarding_limit_min": 40},
            "boarding_limit_min = 40 is below day_limit_junior_min = 45; junior pupils may board",
        ),
        (
            {"boarding_limit_min": 50, "day_limit_senior_min": 60},
            "boarding_limit_min = 50 is below day_limit_senior_min = 60; senior pupils may board",
        ),
        ({"horizon_year": 2025}, "horizon_year = 2025 is before the last plan year 2026; it must be 2026 or later"),
        ({"years": (2031,)}, "horizon_year = 2030 is before the last plan year 2031"),
    ],
)
def test_rules_that_contradict_each_other_are_refused(changes, message):
    with pytest.raises(ValueError) as err:
        Scenario(**changes)
    assert str(err.value).startswith(message)


def test_a_boarding_limit_below_the_day_limit_of_a_band_that_does_not_board_is_fine():
    s = Scenario(boarding_limit_min=40, boarding_bands=("upper_primary",))
    assert s.boarding_limit_min == 40 and s.day_limit("junior") == 45
    assert Scenario(years=(2031,), horizon_year=2031).years == (2031,)


def test_plan_years_are_checked_against_the_base_year():
    Scenario(years=(2023, 2024)).check_years(2023)
    Scenario(years=(2043,), horizon_year=2043).check_years(2023)
    with pytest.raises(
        ValueError, match=r"^years \[2022\] are before the base year 2023 of the data \(district.json\)"
    ):
        Scenario(years=(2022, 2023)).check_years(2023)
    with pytest.raises(ValueError, match=r"^years \[2044\] are more than 20 years after the base year 2023"):
        Scenario(years=(2044,), horizon_year=2044).check_years(2023)


def test_solve_checks_the_years_before_any_work(monkeypatch):
    district = synthetic_district(n_towns=2, villages_per_town=4, seed=1)

    def started(*args, **kwargs):
        raise AssertionError("solve started working")

    monkeypatch.setattr(api, "travel_matrix", started)
    with pytest.raises(ValueError, match=f"before the base year {district.base_year}"):
        lo.solve(district, Scenario(years=(district.base_year - 3,)))


def test_from_dict_names_its_source():
    with pytest.raises(ValueError, match=r"^cli: unknown parameter 'colour'"):
        Scenario.from_dict({"colour": 1}, source="cli")
    with pytest.raises(ValueError, match=r"^cli: class_cap_primary = 0 is out of range"):
        Scenario.from_dict({"class_cap_primary": 0}, source="cli")


# --------------------------------------------------------------------------- documentation


def test_every_field_is_documented():
    names = [f.name for f in fields(Scenario)]
    assert list(PARAMETERS) == names
    assert sorted(n for group in TOML_SECTIONS.values() for n in group) == sorted(names)
    table = Scenario().describe()
    assert list(table.index) == names
    assert list(table.columns) == ["value", "default", "unit", "range", "source", "help"]
    for name, row in table.iterrows():
        p = PARAMETERS[name]
        assert row["unit"] or row["help"], name  # every parameter says what it is
        if p.low is not None or p.choices:
            assert row["range"], name
    for f in fields(Scenario):
        assert f"    {f.name} : {f.type}, default " in Scenario.__doc__


def test_describe_changed_only_and_repr():
    s = Scenario(name="tight", class_cap_primary=40, years=(2026,))
    changed = s.describe(changed_only=True)
    assert list(changed.index) == ["name", "years", "class_cap_primary"]
    assert changed.loc["class_cap_primary", "value"] == 40 and changed.loc["class_cap_primary", "default"] == 45
    assert repr(s) == "Scenario(name='tight', years=(2026,), class_cap_primary=40)"
    assert eval(repr(s), {"Scenario": Scenario}) == s
    assert repr(Scenario()) == "Scenario()"
    assert s.changes() == {"name": "tight", "years": (2026,), "class_cap_primary": 40}
    html = s._repr_html_()
    assert "class_cap_primary" in html and "3 parameters differ" in html and "<details>" in html
    assert "no parameters differ" in Scenario()._repr_html_()


# --------------------------------------------------------------------------- solve reuses


def test_resolving_reuses_the_travel_matrix_and_the_forecast(monkeypatch):
    calls = {"travel": 0, "straight": 0, "forecast": 0}
    real_travel, real_forecast = travel.travel_time_matrix, demand.forecast

    def counting_travel(*args, **kwargs):
        calls["travel"] += 1
        return real_travel(*args, **kwargs)

    def counting_forecast(*args, **kwargs):
        calls["forecast"] += 1
        return real_forecast(*args, **kwargs)

    monkeypatch.setattr(travel, "travel_time_matrix", counting_travel)
    monkeypatch.setattr(demand, "forecast", counting_forecast)
    district = synthetic_district(n_towns=2, villages_per_town=5, seed=4)
    assert district.roads is not None
    base = Scenario(years=(2024,), bands=COMPULSORY, closure_target=1, time_limit_s=10)
    first = lo.solve(district, base)
    assert calls == {"travel": 1, "straight": 0, "forecast": 1}
    second = lo.solve(district, base.replace(closure_target=2, class_cap_primary=40, day_limit_junior_min=40))
    assert calls == {"travel": 1, "straight": 0, "forecast": 1}
    assert second.travel is first.travel
    # a rule the matrix depends on (walking speed) makes a new one; the forecast stays
    lo.solve(district, base.replace(walk_speed_kmh=5))
    assert calls["travel"] == 2 and calls["forecast"] == 1
    # a forecast parameter makes a new forecast; the matrix stays
    lo.solve(district, base.replace(retention=0.98))
    assert calls["travel"] == 2 and calls["forecast"] == 2
    assert lo.travel_matrix(district, base) is first.travel


# --------------------------------------------------------------------------- compare and the plan's views


NO_RUNNING_COST = {"school_cost_yuan_per_year": 0.0, "teacher_cost_yuan_per_year": 0.0}


@pytest.fixture(scope="module")
def two_plans():
    """Two small plans of one synthetic district: 1 and 2 closures (grades 1-9, one year;
    running costs left out, so that the closure target alone closes schools)."""
    district = synthetic_district(n_towns=2, villages_per_town=6, seed=2)
    base = Scenario(name="one", years=(2024,), bands=COMPULSORY, closure_target=1, time_limit_s=10, **NO_RUNNING_COST)
    return lo.solve(district, base), lo.solve(district, base.replace(name="two", closure_target=2))


def test_compare_rows_and_columns(two_plans):
    one, two = two_plans
    table = lo.compare({"1 closure": one, "2 closures": two})
    assert list(table.columns) == ["1 closure", "2 closures"]
    expected = [
        "closures",
        "added seats",
        "added seats primary",
        "added seats junior",
        "added seats senior",
        "added classrooms",
        "added beds",
        "capital cost (M yuan)",
        "new-school cost (M yuan)",
        "travel mean lower_primary (min)",
        "travel p95 lower_primary (min)",
        "travel mean upper_primary (min)",
        "travel p95 upper_primary (min)",
        "travel mean junior (min)",
        "travel p95 junior (min)",
        "day pupils",
        "boarders",
        "objective (M yuan)",
        "gap (%)",
    ]
    assert list(table.index) == expected  # no senior travel: no plan plans grades 10-12
    assert table.loc["closures"].tolist() == [1, 2]
    assert all(
        type(v) is int
        for v in table.loc[["closures", "added seats", "added classrooms", "added beds", "day pupils", "boarders"]]
        .to_numpy()
        .ravel()
    )
    s = two.summary
    assert table.loc["capital cost (M yuan)", "2 closures"] == round(s["costs_yuan"]["capital"] / 1e6, 2)
    assert table.loc["travel p95 junior (min)", "2 closures"] == s["travel_min"]["junior"]["p95"]
    assert table.loc["day pupils", "2 closures"] + table.loc["boarders", "2 closures"] == int(
        two.pupils.loc[two.pupils["year"] == 2024, "pupils"].sum()
    )
    assert table.loc["gap (%)", "1 closure"] == round(100 * one.summary["solver"]["gap"], 3)
    # one row per plan, ready to plot
    t = table.T
    assert t["closures"].tolist() == [1, 2]
    assert t.infer_objects()["closures"].dtype.kind == "i"


def test_compare_labels_a_list_by_scenario_names_and_fills_missing_bands(two_plans):
    one, two = two_plans
    table = lo.compare([one, two, one])
    assert list(table.columns) == ["one", "two", "one #2"]
    with pytest.raises(ValueError, match="at least one plan"):
        lo.compare({})
    senior = dataclasses.replace(
        one,
        summary={
            **one.summary,
            "travel_min": {**one.summary["travel_min"], "senior": {"mean": 20.0, "p95": 50.0, "max": 60.0}},
        },
    )
    mixed = lo.compare({"with": senior, "without": two})
    assert mixed.loc["travel mean senior (min)", "with"] == 20.0
    assert math.isnan(mixed.loc["travel mean senior (min)", "without"])


def test_kpis_is_the_compare_column(two_plans):
    one, _ = two_plans
    k = one.kpis()
    assert isinstance(k, pd.DataFrame) and list(k.columns) == ["one"] and k.index.name == "kpi"
    pd.testing.assert_frame_equal(k, lo.compare({"one": one}))


def test_plan_display(two_plans):
    one, _ = two_plans
    html = one._repr_html_()
    assert (
        "Plan &#x27;one&#x27;" in html
        and "closures" in html
        and "travel mean junior (min)" in html
        and ".check()" in html
    )
    assert repr(one).startswith("Plan('one': 1 closures")
    no_gap = dataclasses.replace(one, summary={**one.summary, "solver": {**one.summary["solver"], "gap": None}})
    assert "gap n/a" in repr(no_gap) and "n/a" in no_gap._repr_html_()


def test_closure_moves_follow_each_closed_school(two_plans):
    _, two = two_plans
    moves = two.closure_moves()
    closed = set(two.closures["school_id"])
    assert set(moves["school_id"]) == closed
    a = two.assignments
    schools = two.district.schools.set_index("school_id")
    for r in moves.itertuples():
        row = a[
            (a["year"] == r.year)
            & (a["village_id"] == r.village_id)
            & (a["band"] == r.band)
            & (a["school_id"] == r.to_school_id)
            & (a["mode"] == r.mode)
        ]
        assert len(row) == 1
        # the moved pupils join the village's pupils already there (enrolled pupils stay)
        assert r.pupils <= row["pupils"].item() and row["travel_min"].item() == r.travel_min
        assert r.to_school_id not in closed
        # a closed small school kept its host village's pupils
        assert r.village_id == str(schools.loc[r.school_id, "village_id"])
        assert r.travel_before_min == pytest.approx(two.travel.to_frame().loc[r.village_id, r.school_id], abs=0.01)
    town = two.closures["town"].iloc[0]
    assert set(two.closure_moves(town=town)["town"]) == {town}
    with pytest.raises(ValueError, match="no town 'Atlantis'"):
        two.closure_moves(town="Atlantis")


def test_addition_reasons_are_backed_by_their_figures():
    district = synthetic_district(n_towns=2, villages_per_town=6, seed=2)
    plan = lo.solve(
        district,
        Scenario(
            years=(2024,),
            bands=COMPULSORY,
            closure_target=2,
            class_cap_primary=30,
            min_boarding_beds=400,  # above the beds of the towns' boarding schools today
            time_limit_s=10,
        ),
    )
    reasons = plan.addition_reasons()
    last = plan.schools[plan.schools["year"] == 2024]
    built = last[(last["added_classrooms"] > 0) | (last["added_beds"] > 0)]
    assert sorted(reasons["school_id"]) == sorted(built["school_id"])
    seen = set()
    for r in reasons.itertuples():
        seen.update(r.reasons)
        assert r.reasons
        if "class_cap" in r.reasons:
            assert r.added_classrooms > 0 and r.classes_needed_without_closed > r.classrooms
        if "receiving" in r.reasons:
            assert r.pupils_from_closed > 0 and r.classes_needed > max(r.classrooms, r.classes_needed_without_closed)
        if "boarding_rule" in r.reasons:
            assert r.beds < plan.scenario.min_boarding_beds <= r.beds + r.added_beds
        if "boarders" in r.reasons:
            assert r.boarders > r.beds
        if r.added_classrooms > 0 and "other" not in r.reasons:
            assert r.classes_needed > r.classrooms
        assert r.classes_needed >= r.classes_needed_without_closed
        assert r.pupils_from_closed <= r.pupils
    assert {"class_cap", "boarding_rule"} <= seen
    assert plan.check().empty


def test_plot_and_explore_zoom_on_a_town(two_plans):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, two = two_plans
    town = str(two.district.towns["town"].iloc[0])
    whole = two.plot()
    zoomed = two.plot(town=town)
    assert (zoomed.get_xlim()[1] - zoomed.get_xlim()[0]) < (whole.get_xlim()[1] - whole.get_xlim()[0])
    assert zoomed.get_title().startswith(town)
    m = two.explore(town=town)
    assert "fitBounds" in m.get_root().render()
    plt.close("all")


def test_a_gap_prints_with_three_significant_digits():
    """A proven 0.005 % prints as such, not rounded to 0.01 % or 0.00 %."""
    from layout_opt.plan import gap_text

    assert [gap_text(g) for g in (5.02e-05, 0.0135, 0.0, None)] == ["0.00502%", "1.35%", "0%", "n/a"]
