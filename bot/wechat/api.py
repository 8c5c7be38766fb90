"""The WeChat API calls the channel makes: access token and customer-service messages (客服消息).

wechatpy's client keeps its token per process (or in Redis/Memcached); ours is in the shared
SQLite state so all worker processes fetch it once.
"""

from __future__ import annotations

import json
import logging

import requests

from bot.wechat.state import WeChatState

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com"
# WeChat's answers to a token that is expired, invalid or not the latest.
TOKEN_ERRORS = {40001, 40014, 42001}


class WeChatApiError(RuntimeError):
    def __init__(self, errcode: int, errmsg: str):
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode


class CustomerServiceApi:
    """Sends text messages to a user outside the 5-second reply window."""

    def __init__(
        self,
        appid: str,
        secret: str,
        state: WeChatState,
        api_base: str = DEFAULT_API_BASE,
        timeout: float = 5.0,
    ):
        self.appid, self.secret, self.state = appid, secret, state
        self.api_base = (api_base or DEFAULT_API_BASE).rstrip("/")
        self.timeout = timeout

    @property
    def configured(self) -> bool:
        return bool(self.appid and self.secret)

    def _fetch_token(self) -> tuple[str, float]:
        reply = requests.get(
            f"{self.api_base}/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            timeout=self.timeout,
        ).json()
        if "access_token" not in reply:
            raise WeChatApiError(int(reply.get("errcode", -1)), str(reply.get("errmsg", "no access_token")))
        logger.info("fetched a WeChat access token (expires in %s s)", reply.get("expires_in"))
        return reply["access_token"], float(reply.get("expires_in", 7200))

    def access_token(self) -> str:
        return self.state.token(self.appid, self._fetch_token)

    def send_text(self, openid: str, content: str) -> None:
        """Send one text message; a refused token is refreshed once.

        Raises:
            WeChatApiError: the API refused (e.g. 48001 for an unverified account).
            requests.RequestException: the API could not be reached.
        """
        if not self.configured:
            raise WeChatApiError(-1, "no AppID/AppSecret configured")
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        for attempt in range(2):
            token = self.access_token()
            reply = requests.post(
                f"{self.api_base}/cgi-bin/message/custom/send",
                params={"access_token": token},
                data=_json_utf8(body),
                headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=self.timeout,
            ).json()
            errcode = int(reply.get("errcode", 0))
            if errcode == 0:
                return
            if errcode in TOKEN_ERRORS and attempt == 0:
                self.state.forget_token(self.appid, token)
                continue
            raise WeChatApiError(errcode, str(reply.get("errmsg", "")))


def _json_utf8(body: dict) -> bytes:
    # WeChat shows \u escapes literally: Chinese must be sent as UTF-8.
    return json.dumps(body, ensure_ascii=False).encode("utf-8")
