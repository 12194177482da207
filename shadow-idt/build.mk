# shadow-idt/: ELI shadow IDT and direct/injection mode switch.
MECH_SRCS += shadow-idt/sidt.c shadow-idt/sidt_mode.c shadow-idt/sidt_desc.c \
	shadow-idt/sidt_walk.c
UNIT_TESTS += mech_sidt
mech_sidt_SRCS := tests/mech/test_sidt.c tests/mech/fake_hw.c
$(BUILD)/san/tests/mech/%.o: CPPFLAGS += -Itests/mech
