# Shortcuts for scripts/dev, which does the real work (and installs what is missing).
.PHONY: demo test bench setup
demo:
	scripts/dev demo
test:
	scripts/dev test
bench:
	scripts/dev bench
setup:
	scripts/dev setup
