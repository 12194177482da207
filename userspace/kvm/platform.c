// SPDX-License-Identifier: GPL-2.0
/*
 * Which KVM is this? None at all (no /dev/kvm), hardware VT-x/SVM (CPU
 * flag vmx/svm and the kvm_intel or kvm_amd module), VT-x emulated by
 * Bochs (looks like hardware from inside), or a software backend such as
 * kvm-pvm, where guest CPL-0 code is emulated and every timing we measure
 * says more about the emulator than about interrupt delivery.
 *
 * Every path is read below a root directory ("" for the machine itself),
 * so tests can give it a made-up /proc, /sys and /dev.
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

static FILE *open_at(const char *root, const char *path)
{
	char full[512];

	snprintf(full, sizeof(full), "%s%s", root, path);
	return fopen(full, "r");
}

static bool exists_at(const char *root, const char *path)
{
	char full[512];

	snprintf(full, sizeof(full), "%s%s", root, path);
	return access(full, F_OK) == 0;
}

static void read_cpuinfo(struct xl_platform *p, const char *root)
{
	FILE *f = open_at(root, "/proc/cpuinfo");
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
static bool module_present(const char *root, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return exists_at(root, path);
}

/*
 * An emulator's VT-x (Bochs) looks like hardware from inside: a real CPU
 * model string, the vmx flag, kvm_intel, and no "hypervisor" CPUID bit.
 * Its firmware names it in DMI (SMBIOS type 0/1).
 */
static void detect_emulator(struct xl_platform *p, const char *root)
{
	static const char *const files[] = {
		"/sys/class/dmi/id/bios_vendor", "/sys/class/dmi/id/bios_version",
		"/sys/class/dmi/id/sys_vendor", "/sys/class/dmi/id/product_name",
	};
	char buf[128];
	unsigned int i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f = open_at(root, files[i]);

		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && strstr(buf, "Bochs"))
			snprintf(p->emulator, sizeof(p->emulator), "Bochs");
		fclose(f);
	}
}

const char *xl_platform_kind_name(enum xl_platform_kind k)
{
	switch (k) {
	case XL_PLAT_HARDWARE:
		return "hardware";
	case XL_PLAT_EMULATED:
		return "emulated";
	case XL_PLAT_SOFTWARE:
		return "software";
	case XL_PLAT_NONE:
		break;
	}
	return "none";
}

static void set_backend(struct xl_platform *p)
{
	if (p->mod_pvm) {
		snprintf(p->backend, sizeof(p->backend), "kvm-pvm");
	} else if (p->mod_intel && p->flag_vmx) {
		snprintf(p->backend, sizeof(p->backend), "kvm_intel (VT-x)");
		p->hardware = true;
	} else if (p->mod_amd && p->flag_svm) {
		snprintf(p->backend, sizeof(p->backend), "kvm_amd (SVM)");
		p->hardware = true;
	} else if (p->kvm_dev && (p->flag_vmx || p->flag_svm)) {
		/* built-in kvm_intel/kvm_amd leave no /sys/module entry */
		snprintf(p->backend, sizeof(p->backend), "%s (module not seen)",
			 p->flag_vmx ? "VT-x" : "SVM");
		p->hardware = true;
	} else {
		snprintf(p->backend, sizeof(p->backend), "unknown");
	}
}

/* Why there is no KVM here, in the words a user can act on. */
static void line_no_kvm(struct xl_platform *p)
{
	const char *cpu;

	if (p->flag_vmx || p->flag_svm)
		cpu = p->flag_vmx ? "CPU flag vmx present, kvm_intel not loaded" :
			"CPU flag svm present, kvm_amd not loaded";
	else
		cpu = p->flag_hypervisor ?
			"no vmx/svm CPU flag, host is itself a VM without nested virtualization" :
			"no vmx/svm CPU flag";
	snprintf(p->line, sizeof(p->line),
		 "platform: no KVM (/dev/kvm does not exist; %s)", cpu);
}

void xl_platform_detect_at(struct xl_platform *p, const char *root)
{
	struct utsname u;

	memset(p, 0, sizeof(*p));
	if (uname(&u) == 0) {
		snprintf(p->kernel, sizeof(p->kernel), "%s", u.release);
		snprintf(p->host, sizeof(p->host), "%s", u.nodename);
	}
	read_cpuinfo(p, root);
	p->kvm_dev = exists_at(root, "/dev/kvm");
	p->exitless_dev = exists_at(root, "/dev/exitless");
	p->mod_intel = module_present(root, "kvm_intel");
	p->mod_amd = module_present(root, "kvm_amd");
	p->mod_pvm = module_present(root, "kvm_pvm");
	set_backend(p);
	detect_emulator(p, root);

	if (!p->kvm_dev) {
		p->kind = XL_PLAT_NONE;
		p->hardware = false;
		line_no_kvm(p);
	} else if (p->hardware && p->emulator[0]) {
		p->kind = XL_PLAT_EMULATED;
		snprintf(p->line, sizeof(p->line),
			 "platform: KVM on %s EMULATED by %s (CPU flag %s): exit counts are KVM's own, timings are NOT representative of hardware",
			 p->flag_vmx ? "VT-x" : "SVM", p->emulator,
			 p->flag_vmx ? "vmx" : "svm");
	} else if (p->hardware) {
		p->kind = XL_PLAT_HARDWARE;
		snprintf(p->line, sizeof(p->line),
			 "platform: hardware KVM, %s, CPU flag %s, exitless.ko %s",
			 p->backend, p->flag_vmx ? "vmx" : "svm",
			 p->exitless_dev ? "loaded (/dev/exitless)" :
			 "not loaded");
	} else {
		p->kind = XL_PLAT_SOFTWARE;
		snprintf(p->line, sizeof(p->line),
			 "platform: SOFTWARE KVM backend (%s%s, no vmx/svm CPU flag%s): timings are NOT representative of hardware VT-x/SVM",
			 p->backend, p->mod_pvm ? " module" : "",
			 p->flag_hypervisor ? ", host is itself a VM" : "");
	}
	p->representative = p->kind == XL_PLAT_HARDWARE;
}

void xl_platform_detect(struct xl_platform *p)
{
	xl_platform_detect_at(p, "");
}
