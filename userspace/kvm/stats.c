// SPDX-License-Identifier: GPL-2.0
/*
 * KVM binary statistics (KVM_GET_STATS_FD, kernel 5.14+): a header, an id
 * string, descriptors with names, and a data block. Descriptors are looked
 * up by name; their offsets and sizes come from the kernel, never from us,
 * because both change between kernel versions and backends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kvm.h"

int xl_stats_open(struct xl_stats *s, int kvm_fd)
{
	int fd = ioctl(kvm_fd, KVM_GET_STATS_FD, NULL);

	if (fd < 0) {
		memset(s, 0, sizeof(*s));
		s->fd = -1;
		return -errno;
	}
	return xl_stats_init(s, fd);
}

int xl_stats_init(struct xl_stats *s, int stats_fd)
{
	size_t n, max = 0;
	unsigned int i;
	ssize_t r;

	memset(s, 0, sizeof(*s));
	s->fd = stats_fd;
	if (pread(s->fd, &s->hdr, sizeof(s->hdr), 0) != sizeof(s->hdr))
		goto bad;
	/* sanity limits: a corrupt header must not make us allocate GiBs */
	if (s->hdr.num_desc == 0 || s->hdr.num_desc > 4096 ||
	    s->hdr.name_size == 0 || s->hdr.name_size > 4096)
		goto bad;
	s->desc_size = sizeof(struct kvm_stats_desc) + s->hdr.name_size;
	n = s->hdr.num_desc * s->desc_size;
	s->descs = calloc(1, n);
	if (!s->descs)
		goto bad;
	r = pread(s->fd, s->descs, n, s->hdr.desc_offset);
	if (r < 0 || (size_t)r != n)
		goto bad;
	for (i = 0; i < s->hdr.num_desc; i++) {
		const struct kvm_stats_desc *d = xl_stats_desc(s, i);
		size_t end = d->offset / 8 + d->size;

		if (d->offset % 8 || d->size > 1024)
			goto bad;
		if (end > max)
			max = end;
	}
	s->data_words = max;
	return 0;
bad:
	xl_stats_close(s);
	return -EPROTO;
}

void xl_stats_close(struct xl_stats *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->descs);
	s->descs = NULL;
	s->fd = -1;
}

const struct kvm_stats_desc *xl_stats_desc(const struct xl_stats *s,
					   unsigned int i)
{
	return (const struct kvm_stats_desc *)(s->descs + i * s->desc_size);
}

int xl_stats_read(const struct xl_stats *s, uint64_t *buf)
{
	size_t n = s->data_words * 8;
	ssize_t r = pread(s->fd, buf, n, s->hdr.data_offset);

	if (r < 0)
		return -errno;
	return (size_t)r == n ? 0 : -EIO;
}

bool xl_stats_is_scalar(const struct kvm_stats_desc *d)
{
	return d->size == 1;
}

bool xl_stats_is_cumulative(const struct kvm_stats_desc *d)
{
	return (d->flags & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_CUMULATIVE;
}

int xl_stats_find(const struct xl_stats *s, const char *name)
{
	unsigned int i;

	for (i = 0; i < s->hdr.num_desc; i++) {
		const struct kvm_stats_desc *d = xl_stats_desc(s, i);

		if (xl_stats_is_scalar(d) &&
		    !strncmp(d->name, name, s->hdr.name_size))
			return i;
	}
	return -ENOENT;
}

uint64_t xl_stats_value(const struct xl_stats *s, const uint64_t *buf,
			unsigned int i)
{
	return buf[xl_stats_desc(s, i)->offset / 8];
}
