"""The screens' two languages, English and Simplified Chinese: the words, and which one a
request gets (``?lang=``, then the ``lang`` cookie the switch sets, then Accept-Language)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal

LANGUAGES = ("en", "zh-CN")
COOKIE = "lang"

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "EdgeStock at this site",
        "kds": "Kitchen display",
        "station": "Station",
        "pda": "PDA",
        "board": "Food-safety board",
        "switch": "中文",
        "cook": "Cook",
        "no_tickets": "No open tickets.",
        "done": "Done",
        "bump": "Bump",
        "recall": "Recall",
        "recalled": "Recalled",
        "tap_done": "Mark done",
        "live": "Live",
        "offline": "Reconnecting…",
        "order": "Order",
        "table": "Table",
        "placed": "Placed",
        "action": "Action",
        "code": "Scan or type the label (GS1)",
        "camera": "Scan with camera",
        "camera_stop": "Stop camera",
        "camera_none": "No camera decoder in this browser",
        "item": "Item",
        "lot": "Lot",
        "location": "Location",
        "operator": "Operator",
        "expires": "Expires",
        "weight_kg": "Gross weight (kg)",
        "tare_kg": "Tare (kg)",
        "temp_c": "Food temperature (°C)",
        "probe": "Food probe left in the batch",
        "submit": "Record",
        "recorded": "Recorded",
        "refused": "Refused",
        "on_hand": "On hand here now",
        "receive": "Receive",
        "count": "Count",
        "recount": "Recount",
        "recount_replace": "Recount: this count replaces the first",
        "thaw:refrigerated": "Thaw (refrigerated)",
        "thaw:running_water": "Thaw (running water)",
        "open": "Open",
        "freeze": "Freeze",
        "cool": "Start cooling",
        "temp": "Temperature",
        "reheat": "Reheat",
        "discard": "Discard",
        "stop": "Stop clock",
        "marinate": "Marinate",
        "age": "Age",
        "tphc": "Time as control (4 h)",
        "tphc-6h": "Time as control (6 h)",
        "day": "Day",
        "lots": "Expired and near-expiry lots",
        "expired": "expired",
        "near_expiry": "near expiry",
        "on_hand_col": "On hand",
        "clocks": "Open clocks",
        "clock": "Clock",
        "state": "State",
        "since": "Since",
        "due": "Due",
        "temperatures": "Temperatures per room",
        "readings": "Readings",
        "min": "Min",
        "max": "Max",
        "last": "Last",
        "cooling": "Cooling logs",
        "outcome": "Outcome",
        "records": "Records (cleaning, sanitising, health checks)",
        "kind": "Kind",
        "who": "Who",
        "area": "Area",
        "result": "Result",
        "corrective_action": "Corrective action",
        "voided": "voided",
        "sign_offs": "Manager sign-off",
        "not_signed": "Not signed off yet.",
        "changed_after": "Changed after the last sign-off: sign off again.",
        "manager": "Manager",
        "note": "Note",
        "sign_off": "Sign off the day",
        "none": "None.",
        "previous": "Previous day",
        "next": "Next day",
        "no_kitchen": "This agent has no kitchen configured.",
        "unknown_station": "No such station",
        "stations": "Stations",
        "allergens": "Allergens",
        "allergens_unknown": "Allergens unknown: check the recipe",
        "allergen.milk": "milk",
        "allergen.egg": "egg",
        "allergen.fish": "fish",
        "allergen.shellfish": "shellfish",
        "allergen.tree-nut": "tree nuts",
        "allergen.peanut": "peanut",
        "allergen.wheat": "wheat",
        "allergen.gluten": "gluten",
        "allergen.soy": "soy",
        "allergen.sesame": "sesame",
        "op.thaw": "Thaw",
        "op.cut": "Cut",
        "op.marinate": "Marinate",
        "op.mix": "Mix",
        "op.age": "Age",
        "op.cook": "Cook",
        "op.cool": "Cool",
        "op.reheat": "Reheat",
        "op.portion": "Portion",
        "op.plate": "Plate",
        "cooled": "cooled",
        "missed": "missed",
        "cleaning": "Cleaning",
        "sanitising": "Sanitising",
        "health_check": "Health check",
        "temperature_check": "Temperature check",
        "pass": "pass",
        "fail": "fail",
        "thawing": "thawing",
        "marinating": "marinating",
        "ageing": "ageing",
        "date_mark": "date mark",
        "started": "started",
        "paused": "paused",
        "resumed": "resumed",
        "progressed": "running",
        "ready": "ready",
        "blocked": "blocked",
        "completed": "completed",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "pin": "Site PIN",
        "wrong PIN": "Wrong PIN.",
    },
    "zh-CN": {
        "title": "本店 EdgeStock",
        "kds": "厨房显示屏",
        "station": "工位",
        "pda": "手持终端",
        "board": "食安看板",
        "switch": "English",
        "cook": "厨师",
        "no_tickets": "暂无未完成的单。",
        "done": "已完成",
        "bump": "出单",
        "recall": "召回",
        "recalled": "已召回",
        "tap_done": "完成",
        "live": "在线",
        "offline": "正在重连…",
        "order": "订单",
        "table": "桌号",
        "placed": "下单",
        "action": "操作",
        "code": "扫描或输入标签 (GS1)",
        "camera": "用摄像头扫码",
        "camera_stop": "关闭摄像头",
        "camera_none": "此浏览器无法用摄像头扫码",
        "item": "品项",
        "lot": "批次",
        "location": "位置",
        "operator": "操作人",
        "expires": "到期日",
        "weight_kg": "毛重 (千克)",
        "tare_kg": "皮重 (千克)",
        "temp_c": "食品温度 (°C)",
        "probe": "留在批次中的探针",
        "submit": "记录",
        "recorded": "已记录",
        "refused": "被拒绝",
        "on_hand": "此处现有库存",
        "receive": "收货",
        "count": "盘点",
        "recount": "复盘",
        "recount_replace": "复盘：以本次盘点替换先前的盘点",
        "thaw:refrigerated": "解冻 (冷藏)",
        "thaw:running_water": "解冻 (流水)",
        "open": "开封",
        "freeze": "冷冻",
        "cool": "开始冷却",
        "temp": "测温",
        "reheat": "复热",
        "discard": "报废",
        "stop": "停止计时",
        "marinate": "腌制",
        "age": "熟成",
        "tphc": "时间控制 (4 小时)",
        "tphc-6h": "时间控制 (6 小时)",
        "day": "日期",
        "lots": "已过期和临期批次",
        "expired": "已过期",
        "near_expiry": "临期",
        "on_hand_col": "库存",
        "clocks": "进行中的计时",
        "clock": "计时",
        "state": "状态",
        "since": "开始",
        "due": "到期",
        "temperatures": "各库房温度",
        "readings": "读数",
        "min": "最低",
        "max": "最高",
        "last": "最近",
        "cooling": "冷却记录",
        "outcome": "结果",
        "records": "记录 (清洁、消毒、晨检)",
        "kind": "类型",
        "who": "人员",
        "area": "区域",
        "result": "结果",
        "corrective_action": "纠正措施",
        "voided": "已作废",
        "sign_offs": "主管签核",
        "not_signed": "尚未签核。",
        "changed_after": "签核后有改动：请重新签核。",
        "manager": "主管",
        "note": "备注",
        "sign_off": "签核当日",
        "none": "无。",
        "previous": "前一天",
        "next": "后一天",
        "no_kitchen": "此代理未配置厨房。",
        "unknown_station": "没有这个工位",
        "stations": "工位",
        "allergens": "过敏原",
        "allergens_unknown": "过敏原未知：请核对配方",
        "allergen.milk": "乳",
        "allergen.egg": "蛋",
        "allergen.fish": "鱼",
        "allergen.shellfish": "甲壳类",
        "allergen.tree-nut": "坚果",
        "allergen.peanut": "花生",
        "allergen.wheat": "小麦",
        "allergen.gluten": "麸质",
        "allergen.soy": "大豆",
        "allergen.sesame": "芝麻",
        "op.thaw": "解冻",
        "op.cut": "切配",
        "op.marinate": "腌制",
        "op.mix": "调配",
        "op.age": "熟成",
        "op.cook": "烹饪",
        "op.cool": "冷却",
        "op.reheat": "复热",
        "op.portion": "分份",
        "op.plate": "装盘",
        "cooled": "已冷却",
        "missed": "未达标",
        "cleaning": "清洁",
        "sanitising": "消毒",
        "health_check": "晨检",
        "temperature_check": "温度检查",
        "pass": "合格",
        "fail": "不合格",
        "thawing": "解冻中",
        "marinating": "腌制中",
        "ageing": "熟成中",
        "date_mark": "日期标记",
        "started": "已开始",
        "paused": "已暂停",
        "resumed": "已恢复",
        "progressed": "进行中",
        "ready": "就绪",
        "blocked": "已锁定",
        "completed": "已完成",
        "sign_in": "登录",
        "sign_out": "退出",
        "pin": "门店 PIN 码",
        "wrong PIN": "PIN 码不正确。",
    },
}


def choose(query: str | None, cookie: str | None, accept: str | None) -> str:
    """The language of a request: an explicit choice first, then the browser's preference."""
    for given in (query, cookie):
        if given in LANGUAGES:
            return given
    for part in (accept or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return "en"


class Words:
    """The words of one language, and how it writes times and quantities."""

    def __init__(self, lang: str, zone: tzinfo) -> None:
        self.lang = lang
        self.other = "en" if lang == "zh-CN" else "zh-CN"
        self._words = WORDS[lang]
        self._zone = zone

    def __call__(self, key: str) -> str:
        """The word for ``key`` (the key itself when there is none: a name from the data)."""
        return self._words.get(key, key.removeprefix("op."))

    def allergen(self, name: str) -> str:
        """An allergen's name in this language; a name the words lack is shown as given."""
        return self._words.get(f"allergen.{name}", name)

    def time(self, at: datetime | None) -> str:
        """``at`` on the site's clock: hours and minutes."""
        return "" if at is None else at.astimezone(self._zone).strftime("%H:%M")

    def moment(self, at: datetime | None) -> str:
        """``at`` on the site's calendar and clock."""
        if at is None:
            return ""
        local = at.astimezone(self._zone)
        if self.lang == "zh-CN":
            return f"{local.month}月{local.day}日 {local:%H:%M}"
        return f"{local:%d %b %H:%M}"

    def qty(self, value: Decimal, unit: str) -> str:
        """A quantity as a cook reads it: grams past a kilo in kg, no trailing zeros."""
        if unit == "g" and abs(value) >= 1000:
            value, unit = value / 1000, "kg"
        if unit == "ml" and abs(value) >= 1000:
            value, unit = value / 1000, "L"
        text = f"{value.quantize(Decimal('0.01')):,.2f}".rstrip("0").rstrip(".")
        return f"{text} {unit}"
