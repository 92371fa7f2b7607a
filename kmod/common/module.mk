# SPDX-License-Identifier: GPL-2.0
# The out-of-tree build every module folder's Makefile includes: against
# the running kernel's headers, or make KDIR=/usr/src/linux-headers-<version>
KDIR ?= /lib/modules/$(shell uname -r)/build

all:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

.PHONY: all clean
