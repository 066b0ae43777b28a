"""Documents shared by several test files."""

# A short speech in the sample's shape: title, salutation, two 一、 sections with 一是/二是 points,
# a closing. Ten sentences: quick to say with the real offline engine.
SHORT_SPEECH = """学习会讲话
同志们：
今天开个短会。
一、提高认识。
一是要重视学习。学习很重要。
二是要联系实际。
二、狠抓落实。
一是要明确责任。
二是要加强督查。
同志们，让我们一起努力！
"""
