"""The scenario's parameters in Chinese: name, unit, source and value, for the report's
情景参数 table and the workbook's sheet (the scenario file and ``summary.json`` keep the
English identifiers)."""

from __future__ import annotations

from typing import Any, Final

import pandas as pd

from ..scenario import PARAMETERS, TOML_SECTIONS
from ..schema import BAND_ZH

#: Chinese name of every scenario parameter.
PARAM_ZH: Final[dict[str, str]] = {
    "name": "情景名称",
    "years": "规划年份",
    "bands": "规划学段",
    "catchment_zones": "划片学区",
    "class_cap_primary": "小学班额上限",
    "class_cap_junior": "初中班额上限",
    "class_cap_senior": "高中班额上限",
    "class_cap_teaching_point": "教学点复式班人数上限",
    "class_cap_preschool_k1": "幼儿园小班人数上限",
    "class_cap_preschool_k2": "幼儿园中班人数上限",
    "class_cap_preschool_k3": "幼儿园大班人数上限",
    "caps_from_year": "班额和规模上限起始年份",
    "school_cap_primary": "小学办学规模上限",
    "school_cap_junior": "初中办学规模上限",
    "school_cap_nine_year": "九年一贯制学校规模上限",
    "school_cap_senior": "高中办学规模上限",
    "school_cap_kindergarten": "幼儿园办园规模上限",
    "day_limit_lower_primary_min": "小学低年级走读单程上限",
    "day_limit_upper_primary_min": "小学高年级走读单程上限",
    "day_limit_junior_min": "初中走读单程上限",
    "day_limit_senior_min": "高中走读单程上限",
    "day_limit_preschool_min": "幼儿入园单程上限(就近就便)",
    "boarding_limit_min": "寄宿生单程上限(每周往返)",
    "boarding_bands": "可寄宿学段",
    "boarding_min_km": "可选择寄宿的最短路程",
    "walk_speed_kmh": "步行速度",
    "walk_threshold_km": "乘校车的最短路程",
    "allow_reassignment": "允许调整在校生",
    "reassignment_cost_yuan_per_pupil": "调整在校生成本",
    "small_school_pupils": "小规模学校人数标准",
    "small_schools_keep_own_village_only": "保留的小规模学校只收本村学生(应留必留)",
    "closure_target": "撤并目标",
    "senior_urban_ur_codes": "高中可布局的城乡分类代码",
    "senior_relocation_year": "城区外高中迁并年份",
    "expand_ur_codes_senior": "高中可扩容的城乡分类代码",
    "expand_ur_codes_junior": "初中可扩容的城乡分类代码",
    "expand_ur_codes_primary": "小学可扩容的城乡分类代码",
    "expand_ur_codes_preschool": "幼儿园可扩容的城乡分类代码",
    "boarding_schools_per_town": "每镇寄宿制小学、初中至少",
    "public_kindergartens_per_town": "每镇公办幼儿园至少",
    "min_boarding_beds": "寄宿制学校床位至少",
    "min_boarders": "镇寄宿制学校寄宿生至少",
    "cost_per_added_seat_yuan": "扩建学位单价",
    "cost_per_added_kindergarten_place_yuan": "幼儿园扩建学位单价",
    "cost_per_new_school_seat_yuan": "新建学校学位单价",
    "cost_per_added_bed_yuan": "新增床位单价",
    "value_of_time_yuan_per_hour": "上学时间折算价值",
    "school_days_per_year": "每年上学天数",
    "boarding_weeks_per_year": "每年寄宿周数",
    "boarding_cost_yuan_per_pupil_year": "寄宿生生活费用",
    "appraisal_years": "评估期",
    "discount_rate": "折现率",
    "school_cost_yuan_per_year": "每校每年运行费用(不含教师)",
    "teacher_cost_yuan_per_year": "教师年人均费用",
    "pupils_per_teacher_primary": "小学生师比",
    "pupils_per_teacher_junior": "初中生师比",
    "pupils_per_teacher_senior": "高中生师比",
    "pupils_per_teacher_preschool": "幼儿园幼师比(保教人员)",
    "min_teachers_per_class": "每班教师至少",
    "bus_bands": "乘校车学段",
    "bus_seats": "校车座位数",
    "bus_load_factor": "校车平均满座率(初值)",
    "bus_runs_per_day": "校车每日趟数",
    "bus_price_yuan": "校车购置价",
    "bus_life_years": "校车使用年限",
    "bus_driver_yuan_per_year": "校车司机年费用",
    "bus_attendant_yuan_per_year": "随车照管人员年费用",
    "bus_upkeep_yuan_per_year": "校车保险和维护年费用",
    "bus_cost_yuan_per_km": "校车每公里费用",
    "bus_estimate_tolerance": "校车估算与线路的允许偏差",
    "bus_calibration_rounds": "校车校准最多轮数",
    "horizon_year": "远期预测年份",
    "enrolment_age": "入学年龄",
    "enrolment_factor": "一年级入学系数",
    "preschool_enrolment_rate": "学前教育毛入园率",
    "retention": "升级保留率",
    "senior_entry_share": "高中升学比例",
    "urban_drift_per_year": "每年进城上学比例",
    "drift_destination": "进城上学去向",
    "births_trend_per_year": "出生人数年变化",
    "time_limit_s": "求解时限",
    "gap_target": "目标相对差距",
    "backend": "求解器",
    "price_zone_rule": "测算学区规则的代价",
    "seed": "随机种子",
    "threads": "线程数",
}

#: Chinese units (by the English unit of :data:`layout_opt.scenario.PARAMETERS`).
UNIT_ZH: Final[dict[str, str]] = {
    "": "",
    "bands": "学段",
    "beds": "张",
    "days": "天",
    "grade-1 entrants per child": "一年级新生/适龄儿童",
    "grade-10 per grade-9 pupil": "十年级/九年级学生",
    "km (road distance)": "公里(道路)",
    "km/h": "公里/小时",
    "minutes one way": "分钟(单程)",
    "minutes one way (weekly trip)": "分钟(单程, 每周往返)",
    "per year": "每年",
    "pupils": "人",
    "pupils next grade per pupil": "升级学生/在读学生",
    "pupils per class": "人/班",
    "pupils per school": "人/校",
    "pupils per teacher": "学生/教师",
    "relative": "相对值",
    "relative change per year": "每年相对变化",
    "relative gap": "相对差距",
    "rounds": "轮",
    "runs": "趟",
    "school years": "学年(秋季)",
    "schools": "所",
    "seats": "座",
    "seconds": "秒",
    "share of seats": "座位比例",
    "share of village pupils per year": "村学生比例/年",
    "teachers per class": "教师/班",
    "threads": "个",
    "ur_code": "城乡分类代码",
    "weeks": "周",
    "year": "年",
    "years": "年",
    "yuan per bed": "元/床",
    "yuan per boarder-year": "元/(寄宿生·年)",
    "yuan per bus": "元/辆",
    "yuan per bus-km": "元/车公里",
    "yuan per bus-year": "元/(辆·年)",
    "yuan per pupil moved": "元/人",
    "yuan per pupil-hour": "元/(人·小时)",
    "yuan per school-year": "元/(校·年)",
    "yuan per seat": "元/学位",
    "yuan per teacher-year": "元/(人·年)",
}

#: Chinese sources, by the English source text; a source not listed is shown with its
#: English phrases replaced by :data:`_SOURCE_PHRASES`.
_SOURCE_ZH: Final[dict[str, str]] = {
    "GB 24407-2012 (primary-school buses up to 56)": "GB 24407-2012(小学生专用校车至多56座)",
    "Henan county projects, 2024": "河南县级项目造价(2024年)",
    "morning and afternoon": "早晚各一趟",
    "national guidance default": "国家指导标准",
    "national school calendar": "国家校历",
    "policy document": "政策文件",
    "policy document, annex 2 §四": "政策文件附件2第四部分",
    "policy document: 2024-2026 plan": "政策文件: 2024—2026年规划",
    "policy document: 70": "政策文件: 70所",
    "scenario default (0.08 is the social discount rate of 建设项目经济评价方法与参数, 3rd ed.)": "情景默认值(《建设项目经济评价方法与参数》第三版社会折现率为0.08)",
    "scenario default (a 56-seat 专用校车, about)": "情景默认值(56座专用校车, 约数)",
    "scenario default (a Henan county teacher's pay with employer contributions, about)": "情景默认值(河南县域教师工资含单位缴费, 约数)",
    "scenario default (a county driver's pay, about)": "情景默认值(县域司机工资, 约数)",
    "scenario default (about half the rural hourly income in Henan)": "情景默认值(约为河南农村居民小时收入的一半)",
    "scenario default (about the 2 km service radius of a primary school in the plains)": "情景默认值(约为平原小学2公里服务半径)",
    "scenario default (board, lodging and supervision; 寄宿生生活补助 is about 1,000)": "情景默认值(食宿和管理; 寄宿生生活补助约1,000元)",
    "scenario default (boarding places offered from about 3 km)": "情景默认值(约3公里起提供寄宿)",
    "scenario default (diesel and wear)": "情景默认值(燃油和损耗)",
    "scenario default (insurance, inspection, maintenance)": "情景默认值(保险、年检、维修)",
    "scenario default (mixed-grade classes, 复式班)": "情景默认值(复式班)",
    "scenario default (pupils finish their band where they are enrolled)": "情景默认值(在校生在原校读完本学段)",
    "scenario default (upkeep, utilities and administration of a school site)": "情景默认值(校舍维护、水电和行政)",
    "scenario default; replaced per school by the routed buses": "情景默认值; 按各校校车线路校准",
    "scenario default; 初中集中在镇政府所在地, town central schools run their primaries": "情景默认值; 初中集中在镇政府所在地, 中心校统筹本镇小学",
    "中央编办发〔2014〕72号: village schools and teaching points staffed by pupils and by classes (生师比与班师比相结合); value: scenario default": "中央编办发〔2014〕72号: 村小和教学点按生师比与班师比相结合核定编制; 数值为情景默认值",
    "义务教育法: school starts at 6": "义务教育法: 六周岁入学",
    "国办发〔2018〕27号: grades 1-3 do not board": "国办发〔2018〕27号: 一至三年级原则上不寄宿",
    "应留必留: a kept small school keeps its own village's pupils; receiving schools are the larger ones": "应留必留: 保留的小规模学校接收本村学生, 接收学校为较大学校",
    "机动车强制报废标准规定 (2012): 专用校车 15 years": "机动车强制报废标准规定(2012): 专用校车15年",
    "校车安全管理条例 (随车照管人员); pay: scenario default": "校车安全管理条例(随车照管人员); 工资为情景默认值",
    "校车安全管理条例 第二条: school buses carry pupils of compulsory education (and kindergartens)": "校车安全管理条例第二条: 校车接送义务教育学生(和幼儿)",
}
_SOURCE_PHRASES: Final[tuple[tuple[str, str], ...]] = (
    ("policy document, annex 4", "政策文件附件4"),
    ("policy document", "政策文件"),
    ("scenario default", "情景默认值"),
    (" about ", " 约"),
)

#: Chinese titles of the scenario file's sections.
SECTION_ZH: Final[dict[str, str]] = {
    "planning": "规划范围",
    "class_caps": "班额",
    "school_caps": "办学规模",
    "travel_limits": "上学时间和距离",
    "enrolled_pupils": "在校生",
    "closures": "撤并",
    "concentration": "三个集中与寄宿",
    "costs": "费用",
    "buses": "校车",
    "forecast": "学龄人口预测",
    "solver": "求解",
}

_WORDS_ZH: Final[dict[str, str]] = {
    "town": "镇(街道)为学区",
    "district": "全区不分学区",
    "town_seat": "镇政府所在地",
    "main_urban": "主城区",
    "highs": "HiGHS",
    "scip": "SCIP",
    "cp-sat": "CP-SAT",
}


#: Whole-number parameters written without thousands separators (years, a seed).
_PLAIN_INTS: Final[frozenset[str]] = frozenset(
    {"years", "caps_from_year", "senior_relocation_year", "horizon_year", "seed", "threads"}
)


def source_zh(source: str) -> str:
    """The Chinese wording of a parameter's source."""
    if source in _SOURCE_ZH:
        return _SOURCE_ZH[source]
    out = source
    for en, zh in _SOURCE_PHRASES:
        out = out.replace(en, zh)
    return out


def value_zh(key: str, value: Any) -> str:
    """A parameter's value as the report writes it: yes/no, Chinese band names, lists joined
    by 、, closure target -1 as 规则允许的最多, words in Chinese."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(value_zh(key, v) for v in value) if value else "无"
    if key == "closure_target" and value == -1:
        return "规则允许的最多"
    if key == "name" and value == "default":
        return "默认(政策规定)"
    if isinstance(value, str):
        return BAND_ZH.get(value, _WORDS_ZH.get(value, value))
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and key not in _PLAIN_INTS:
        return f"{value:,}"
    return str(value)


def scenario_table(scenario: dict) -> pd.DataFrame:
    """The scenario's parameters in Chinese, grouped by the scenario file's sections.

    Parameters
    ----------
    scenario : dict
        ``summary["scenario"]`` (:meth:`layout_opt.Scenario.to_dict`).

    Returns
    -------
    pandas.DataFrame
        ``section`` (Chinese), ``parameter`` (Chinese name), ``value`` (text),
        ``unit`` (Chinese), ``source`` (Chinese) and ``key`` (the identifier in the
        scenario file), in the order of the file's sections.
    """
    rows = []
    seen: set[str] = set()
    for section, keys in TOML_SECTIONS.items():
        for key in keys:
            if key in scenario:
                rows.append(_row(SECTION_ZH.get(section, section), key, scenario[key]))
                seen.add(key)
    for key, value in scenario.items():
        if key not in seen:
            rows.append(_row("其他", key, value))
    return pd.DataFrame(rows, columns=["section", "parameter", "value", "unit", "source", "key"])


def _row(section: str, key: str, value: Any) -> dict[str, str]:
    p = PARAMETERS.get(key)
    return {
        "section": section,
        "parameter": PARAM_ZH.get(key, key),
        "value": value_zh(key, value),
        "unit": UNIT_ZH.get(p.unit, p.unit) if p is not None else "",
        "source": source_zh(p.source) if p is not None else "",
        "key": key,
    }
