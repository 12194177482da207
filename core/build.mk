# core/: the per-VM engine tying shadow-idt/, posted/ and did-ipi/ together
# (public header include/xl_engine.h). Also linked into exitless.ko.
MECH_SRCS += core/engine.c core/engine_vcpu.c core/err.c
UNIT_TESTS += mech_engine
mech_engine_SRCS := tests/mech/test_engine.c tests/mech/fake_hw.c
UNIT_TESTS += mech_err
mech_err_SRCS := tests/mech/test_err.c
