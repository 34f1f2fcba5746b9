"""Customer signals (客户信号) and their playbooks (场景化引导): SPEC §9."""
