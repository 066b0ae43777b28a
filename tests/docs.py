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

# Long sentences of many clauses (，、；), in the shape of a work report: what a voice that runs the
# clauses of a 60-character chunk together gets wrong. Seven sentences, about 330 characters.
CLAUSE_SPEECH = """关于做好春季工作的讲话
同志们：
今天召开这次会议，主要是总结去年的工作，分析当前的形势，研究存在的问题，部署今年的任务，动员大家坚定信心、真抓实干。
一、认清形势，增强信心。
过去一年，我们克服了许多困难，经济保持平稳增长，民生得到持续改善，社会大局和谐稳定，各项事业取得了新的进展，这些成绩来之不易，值得我们倍加珍惜。
二、突出重点，狠抓落实。
各级干部要深入基层，倾听群众呼声，解决实际问题，把各项工作落到实处；要抓好春耕生产、安全生产、防汛准备，关心困难群众的生活，及时化解各类矛盾。
同志们，让我们团结一心，开拓进取，为完成全年目标而努力奋斗！
"""
