# bench/rr/xl-rr: UDP request/response latency (bench/run runs the server
# in the guest, the client on the host). One file, libc only, so a guest
# can also build it with `cc -O2 -o xl-rr bench/rr/xl-rr.c`.
ALL_EXTRA += $(BUILD)/bench/xl-rr
$(BUILD)/bench/xl-rr: bench/rr/xl-rr.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(OPT) -o $@ $<
