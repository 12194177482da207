// SPDX-License-Identifier: GPL-2.0
/*
 * Which KVM is this? Hardware VT-x/SVM (CPU flag vmx/svm and the kvm_intel
 * or kvm_amd module) or a software backend such as kvm-pvm, where guest
 * CPL-0 code is emulated and every timing we measure says more about the
 * emulator than about interrupt delivery.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "kvm.h"

static bool has_word(const char *line, const char *word)
{
	size_t n = strlen(word);
	const char *p = line;

	while ((p = strstr(p, word))) {
		bool start = p == line || p[-1] == ' ' || p[-1] == '\t';
		bool end = p[n] == ' ' || p[n] == '\n' || p[n] == '\0';

		if (start && end)
			return true;
		p += n;
	}
	return false;
}

static void read_cpuinfo(struct xl_platform *p)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192];

	snprintf(p->cpu_model, sizeof(p->cpu_model), "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		v += 1 + (v[1] == ' ');
		if (!strncmp(line, "model name", 10) &&
		    !strcmp(p->cpu_model, "unknown")) {
			v[strcspn(v, "\n")] = '\0';
			snprintf(p->cpu_model, sizeof(p->cpu_model), "%s", v);
		} else if (!strncmp(line, "flags", 5)) {
			p->flag_vmx |= has_word(v, "vmx");
			p->flag_svm |= has_word(v, "svm");
			p->flag_hypervisor |= has_word(v, "hypervisor");
		}
	}
	fclose(f);
}

/* /sys/module/NAME exists for loaded modules; /proc/modules may not. */
static bool module_present(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

/*
 * An emulator's VT-x (Bochs) looks like hardware from inside: a real CPU
 * model string, the vmx flag, kvm_intel, and no "hypervisor" CPUID bit.
 * Its firmware names it in DMI (SMBIOS type 0/1).
 */
static void detect_emulator(struct xl_platform *p)
{
	static const char *const files[] = {
		"/sys/class/dmi/id/bios_vendor", "/sys/class/dmi/id/bios_version",
		"/sys/class/dmi/id/sys_vendor", "/sys/class/dmi/id/product_name",
	};
	char buf[128];
	unsigned int i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f = fopen(files[i], "r");

		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && strstr(buf, "Bochs"))
			snprintf(p->emulator, sizeof(p->emulator), "Bochs");
		fclose(f);
	}
}

void xl_platform_detect(struct xl_platform *p)
{
	struct utsname u;

	memset(p, 0, sizeof(*p));
	if (uname(&u) == 0) {
		snprintf(p->kernel, sizeof(p->kernel), "%s", u.release);
		snprintf(p->host, sizeof(p->host), "%s", u.nodename);
	}
	read_cpuinfo(p);
	p->mod_intel = module_present("kvm_intel");
	p->mod_amd = module_present("kvm_amd");
	p->mod_pvm = module_present("kvm_pvm");

	if (p->mod_pvm) {
		snprintf(p->backend, sizeof(p->backend), "kvm-pvm");
	} else if (p->mod_intel && p->flag_vmx) {
		snprintf(p->backend, sizeof(p->backend), "kvm_intel (VT-x)");
		p->hardware = true;
	} else if (p->mod_amd && p->flag_svm) {
		snprintf(p->backend, sizeof(p->backend), "kvm_amd (SVM)");
		p->hardware = true;
	} else if (p->flag_vmx || p->flag_svm) {
		/* built-in kvm_intel/kvm_amd leave no /sys/module entry */
		snprintf(p->backend, sizeof(p->backend), "%s (module not seen)",
			 p->flag_vmx ? "VT-x" : "SVM");
		p->hardware = true;
	} else {
		snprintf(p->backend, sizeof(p->backend), "unknown");
	}
	detect_emulator(p);
	p->representative = p->hardware && !p->emulator[0];
	if (p->hardware && p->emulator[0])
		snprintf(p->line, sizeof(p->line),
			 "platform: KVM on %s EMULATED by %s (CPU flag %s): exit counts are KVM's own, timings are NOT representative of hardware",
			 p->flag_vmx ? "VT-x" : "SVM", p->emulator,
			 p->flag_vmx ? "vmx" : "svm");
	else if (p->hardware)
		snprintf(p->line, sizeof(p->line),
			 "platform: hardware KVM, %s, CPU flag %s",
			 p->backend, p->flag_vmx ? "vmx" : "svm");
	else
		snprintf(p->line, sizeof(p->line),
			 "platform: SOFTWARE KVM backend (%s%s, no vmx/svm CPU flag%s): timings are NOT representative of hardware VT-x/SVM",
			 p->backend, p->mod_pvm ? " module" : "",
			 p->flag_hypervisor ? ", host is itself a VM" : "");
}
