"""WeChat Official Account protocol pieces, free of Rasa imports (the channel is in
``bot.channels.wechat``)."""
