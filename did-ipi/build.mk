# did-ipi/: DID routing of virtual interrupts.
MECH_SRCS += did-ipi/did.c
UNIT_TESTS += mech_did
mech_did_SRCS := tests/mech/test_did.c tests/mech/fake_hw.c
