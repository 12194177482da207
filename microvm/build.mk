# The micro-VM guest: freestanding 64-bit C + assembly, linked flat at
# XL_MV_LOAD_GPA and embedded into the `exitless` tool through blob.S.
MV_DIR		:= $(BUILD)/microvm
MV_CFLAGS	:= -std=gnu11 -O2 -g -Wall -Wextra -ffreestanding -fno-pic \
		   -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
		   -mno-red-zone -mgeneral-regs-only -mcmodel=small -m64 \
		   -fcf-protection=none -Iinclude -Imicrovm
MV_OBJS		:= $(MV_DIR)/entry.o $(MV_DIR)/guest.o

$(MV_DIR)/%.o: microvm/%.c microvm/proto.h
	@mkdir -p $(dir $@)
	$(CC) $(MV_CFLAGS) -MMD -MP -c $< -o $@
$(MV_DIR)/%.o: microvm/%.S microvm/proto.h
	@mkdir -p $(dir $@)
	$(CC) $(MV_CFLAGS) -MMD -MP -c $< -o $@
$(MV_DIR)/guest.elf: $(MV_OBJS) microvm/guest.ld
	$(CC) -nostdlib -static -no-pie -Wl,--build-id=none \
		-Wl,-T,microvm/guest.ld -o $@ $(MV_OBJS)
$(MV_DIR)/guest.bin: $(MV_DIR)/guest.elf
	objcopy -O binary $< $@

TOOL_SRCS	+= microvm/blob.S
$(BUILD)/obj/microvm/blob.o: $(MV_DIR)/guest.bin
$(BUILD)/obj/microvm/blob.o: CPPFLAGS += -Wa,-I$(MV_DIR)
