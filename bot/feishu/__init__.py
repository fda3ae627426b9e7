"""Feishu (Lark) adapter: events in (`events`, `server`), flows called (`handlers`), cards out (`api`,
`bot.render.feishu`), monitor messages (`deliver`). Settings: `settings.FeishuSettings` (FEISHU_*)."""
