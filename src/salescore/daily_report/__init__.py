"""Daily reports (日报 = 每日3件事 + 1个客户进展, SPEC §5) and the customer context a rep sees while writing."""
