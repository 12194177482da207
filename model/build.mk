# The reference model (model.h) and its tests.
MODEL_SRCS += model/lapic.c model/pic.c model/ioapic.c model/vtd.c \
	      model/cpu.c model/hyp.c model/model.c model/hw_ops.c \
	      model/scenario.c

UNIT_TESTS += model_lapic model_delivery
model_lapic_SRCS := tests/model/test_model_lapic.c
model_delivery_SRCS := tests/model/test_model_delivery.c
UNIT_TESTS += scenario
scenario_SRCS := tests/scenario/test_scenario.c
# A VM over several nodes (GiantVM): interrupt routing between them.
MODEL_SRCS += model/nodes.c model/nodes_cost.c model/nodes_load.c
UNIT_TESTS += model_nodes
model_nodes_SRCS := tests/model/test_model_nodes.c
