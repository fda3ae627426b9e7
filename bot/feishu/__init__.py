"""Feishu (Lark) adapter: events in (`events`, `server`) turned into the driver's neutral events (`handlers`,
over the entry point's runtime), cards out (`api`, `bot.render.feishu`), monitor messages (`deliver`).
Settings: `settings.FeishuSettings` (FEISHU_*)."""
