# The reference model (model.h) and its tests.
MODEL_SRCS += model/lapic.c model/pic.c model/ioapic.c model/vtd.c \
	      model/cpu.c model/hyp.c model/model.c model/hw_ops.c
