# posted/: PI descriptor and posted IRTE mechanisms (also in exitless.ko).
MECH_SRCS += posted/pi_desc.c posted/irte.c
UNIT_TESTS += mech_posted
mech_posted_SRCS := tests/mech/test_posted.c
