"""manifest.yml: Slack's published manifest fields and limits, and exactly what the code uses.

Every slash command, shortcut callback id, event and Web API method in bot/slack/ must be
declared (with the scope it needs), and no scope may be requested that the code does not use.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.slack.app import COMMAND, SHORTCUT_CALLBACK

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
CODE = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "bot" / "slack").glob("*.py")))

# Web API method (as slack_sdk names it) -> bot scopes that allow it ("" = no scope needed).
METHOD_SCOPES = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "users_info": {"users:read"},
    "views_open": {""},
    "views_update": {""},
    "views_publish": {""},
    "auth_test": {""},
    "files_upload_v2": {"files:write"},  # files.getUploadURLExternal + files.completeUploadExternal
}
# Scopes needed by features rather than by one method call.
FEATURE_SCOPES = {
    "commands": "slash commands and shortcuts",
    "chat:write.public": "posting the card in public channels the bot has not joined (post_card)",
}
TOP_LEVEL = {"_metadata", "display_information", "features", "oauth_config", "settings", "functions", "workflows",
             "outgoing_domains", "types", "datastores", "external_auth_providers", "compliance"}


def test_required_keys_and_published_limits() -> None:
    assert set(MANIFEST) <= TOP_LEVEL
    assert MANIFEST["_metadata"]["major_version"] in (1, 2)
    info = MANIFEST["display_information"]
    assert 1 <= len(info["name"]) <= 35
    assert len(info.get("description", "")) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    assert re.fullmatch(r"#(?:[0-9a-fA-F]{3}){1,2}", info["background_color"])
    features = MANIFEST["features"]
    bot_user = features["bot_user"]
    assert re.fullmatch(r"[a-z0-9._-]{1,80}", bot_user["display_name"])
    assert features["app_home"]["home_tab_enabled"] is True
    for command in features["slash_commands"]:
        assert command["command"].startswith("/") and len(command["command"]) <= 32
        assert 0 < len(command["description"]) <= 2000 and len(command.get("usage_hint", "")) <= 1000
        assert command["url"].startswith("https://") and command["url"].endswith("/slack/events")
    assert len(features["shortcuts"]) <= 10
    for shortcut in features["shortcuts"]:
        assert shortcut["type"] in ("global", "message")
        assert len(shortcut["callback_id"]) <= 255 and len(shortcut["description"]) <= 150
    settings = MANIFEST["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert isinstance(settings["socket_mode_enabled"], bool)


def test_every_command_and_shortcut_the_code_handles_is_declared() -> None:
    commands = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert commands == {COMMAND}
    shortcuts = {(s["type"], s["callback_id"]) for s in MANIFEST["features"]["shortcuts"]}
    assert shortcuts == {("message", SHORTCUT_CALLBACK)}
    assert "@app.shortcut(SHORTCUT_CALLBACK)" in CODE and "@app.command(COMMAND)" in CODE


def test_every_event_the_code_listens_to_is_subscribed() -> None:
    listened = set(re.findall(r'@app\.event\("([a-z_]+)"\)', CODE))
    assert listened and listened == set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])


def test_scopes_are_exactly_what_the_code_uses() -> None:
    used_methods = set(re.findall(r"\bclient\.([a-z]+_[A-Za-z0-9_]+)\(", CODE)) | set(re.findall(r"\._client\.([a-z]+_[A-Za-z0-9_]+)\(", CODE))
    assert used_methods, "no Web API calls found"
    unknown = used_methods - set(METHOD_SCOPES)
    assert not unknown, f"add the scopes of {unknown} to METHOD_SCOPES (and the manifest)"
    needed = {scope for method in used_methods for scope in METHOD_SCOPES[method]} - {""}
    declared = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert needed <= declared, f"missing scopes: {needed - declared}"
    assert declared - needed == set(FEATURE_SCOPES), f"scopes nobody uses: {declared - needed - set(FEATURE_SCOPES)}"
    assert "user" not in MANIFEST["oauth_config"]["scopes"]  # no user token
