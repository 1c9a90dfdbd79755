"""The provinces of China in the short form the rules, the importer and the demo use (DOMAIN.md §4)."""

from __future__ import annotations

#: The short provinces (DOMAIN.md §4); the importer's geocoder's
#: descriptions start with one of them (``新疆维吾尔自治区乌鲁木齐市`` → 新疆, ``北京市`` → 北京).
PROVINCES: tuple[str, ...] = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
    "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西",
    "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
)  # fmt: skip

__all__ = ["PROVINCES"]
