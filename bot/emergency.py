"""Trigger phrases for a scam in progress or money just lost (recall first).

A message is an emergency when it speaks of moving money or giving away access (转账, 验证码,
安全账户, 屏幕共享 …) *and* of now (刚, 正在, 还在, 马上, 来得及 …), unless it is plainly
hypothetical (要是, 万一, 如果 …). A few phrases are emergencies on their own (救命, 骗子正…).
"""

from __future__ import annotations

import re

from bot.text import normalise

_MONEY = re.compile(
    r"转账|转钱|转[0-9一二两三四五六七八九十百千万几]|骗我|骗钱|转了|转过去|转出去|转出|转走|转给|转到|汇了|汇款|汇过去|打钱|打了钱|打过去|打给|打款|"
    r"充了|充值|交钱|交了|付了|取钱|投了|投进去|保证金|手续费|验证码|安全账户|安全帐户|屏幕共享|共享屏幕|"
    r"开共享|远程控制|链接|银行卡号|卡号|存折|下载.{0,8}(软件|app|APP|App)|装了|装上|密码|"
    r"柜员机|取款机|ATM|atm|网银|柜台|银行|取不出|提不出|提现|被骗|骗走|骗了|骗子|涉嫌洗钱|操作"
)
_NOW = re.compile(
    r"刚|正在|正跟|正给|正让|正要|正教|正拿|还在|还没挂|视频通话|现在(就|还|正|咋|怎|该|要)|马上|立刻|立即|赶紧|赶快|快快|救命|急死|着急|急急|"
    r"来得及|钟头前|分钟前|小时前|一会儿前|已经去|转不转|要不要(转|打|给)|该不该(转|打|给)|"
    r"救救|^快|快(咋|怎|说|拦|帮|告诉|点)"
)
_HYPOTHETICAL = re.compile(r"要是|万一|如果|假如|假设|以后|将来|防范|预防|怎么防|咋防|防止|听说|别人家")
_ALONE = re.compile(r"救命|骗子正|正在被骗|还在(打)?电话上|正在(打)?电话|还在视频|正在视频|正跟我视频")


def is_emergency(text: str) -> bool:
    """True when the message reads as a scam happening now or money just lost."""
    core = normalise(text)
    if _ALONE.search(core):
        return True
    if _HYPOTHETICAL.search(core):
        return False
    return bool(_MONEY.search(core) and _NOW.search(core))
