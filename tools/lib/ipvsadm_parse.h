/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvsadm's command line, as ipvsadm 1.31 reads it (with popt 1.19), turned
 * into one command struct. Shared by tools/ipvsadm (argv and -R lines) and
 * by ipvs_args.c (the daemon's config file), so that both accept exactly
 * the same words and print exactly the same messages
 * (/work/shared/reference/ipvsadm/ERRORS.md is the reference).
 *
 * Pure: no I/O, no daemon. The only outside look-ups are getservbyname()
 * for port names and, when IPVSADM_PARSE_RESOLVE is given, gethostbyname()
 * for host names.
 */
#ifndef DPVS_IPVSADM_PARSE_H
#define DPVS_IPVSADM_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "dpvs/ctl.h"

/* Commands, in the order of ipvsadm's cmdnames[] (the messages use it). */
enum ipvsadm_cmd_id {
	IPVSADM_CMD_NONE = 0,
	IPVSADM_CMD_ADD,       /* -A add-service */
	IPVSADM_CMD_EDIT,      /* -E edit-service */
	IPVSADM_CMD_DEL,       /* -D delete-service */
	IPVSADM_CMD_FLUSH,     /* -C flush */
	IPVSADM_CMD_LIST,      /* -L/-l list */
	IPVSADM_CMD_ADDDEST,   /* -a add-server */
	IPVSADM_CMD_DELDEST,   /* -d delete-server */
	IPVSADM_CMD_EDITDEST,  /* -e edit-server */
	IPVSADM_CMD_TIMEOUT,   /* --set */
	IPVSADM_CMD_STARTDAEMON,
	IPVSADM_CMD_STOPDAEMON,
	IPVSADM_CMD_RESTORE,   /* -R */
	IPVSADM_CMD_SAVE,      /* -S */
	IPVSADM_CMD_ZERO,      /* -Z */
	/* DPVS's Full-NAT local addresses (its ipvsadm's words and letters) */
	IPVSADM_CMD_ADDLADDR,  /* -P add-laddr */
	IPVSADM_CMD_DELLADDR,  /* -Q del-laddr */
	IPVSADM_CMD_GETLADDR,  /* -G get-laddr */
	IPVSADM_CMD_MAX_MATRIX, /* the commands above have a row in the matrix */
	IPVSADM_CMD_HELP = IPVSADM_CMD_MAX_MATRIX, /* -h: print usage, exit 0 */
	IPVSADM_CMD_VERSION,   /* -v: print the version line, exit 0 */
};

/* Option columns, in the order of ipvsadm's optnames[] and of the
 * command x option matrix (the check walks them in this order). */
enum ipvsadm_opt_col {
	IPVSADM_OPT_NUMERIC,
	IPVSADM_OPT_CONNECTION,
	IPVSADM_OPT_SERVICE,
	IPVSADM_OPT_SCHEDULER,
	IPVSADM_OPT_PERSISTENT,
	IPVSADM_OPT_NETMASK,
	IPVSADM_OPT_SERVER,
	IPVSADM_OPT_FORWARD,
	IPVSADM_OPT_WEIGHT,
	IPVSADM_OPT_UTHRESHOLD,
	IPVSADM_OPT_LTHRESHOLD,
	IPVSADM_OPT_MCAST,
	IPVSADM_OPT_TIMEOUT,
	IPVSADM_OPT_DAEMON,
	IPVSADM_OPT_STATS,
	IPVSADM_OPT_RATE,
	IPVSADM_OPT_THRESHOLDS,
	IPVSADM_OPT_PERSISTENTCONN,
	IPVSADM_OPT_NOSORT,
	IPVSADM_OPT_SYNCID,
	IPVSADM_OPT_EXACT,
	IPVSADM_OPT_ONEPACKET,
	IPVSADM_OPT_PE,
	IPVSADM_OPT_SCHED_FLAGS,
	IPVSADM_OPT_MCAST_GROUP,
	IPVSADM_OPT_MCAST_PORT,
	IPVSADM_OPT_MCAST_TTL,
	IPVSADM_OPT_SYNC_MAXLEN,
	IPVSADM_OPT_TUN_INFO,
	IPVSADM_OPT_TUN_TYPE,
	IPVSADM_OPT_TUN_PORT,
	IPVSADM_OPT_TUN_NOCSUM,
	IPVSADM_OPT_TUN_CSUM,
	IPVSADM_OPT_TUN_REMCSUM,
	IPVSADM_OPT_LADDR,  /* -z: DPVS's, after ipvsadm's columns */
	IPVSADM_OPT_IFNAME, /* -F */
	IPVSADM_OPT_PROXY_PROTOCOL, /* DPVS's --proxy-protocol v1|v2|disable */
	IPVSADM_OPT_MAX
};

#define IPVSADM_OPT(col) (1ULL << (col))

/* Listing modes (ipvsadm's FMT_*), set by the listing options. */
#define IPVSADM_FMT_NUMERIC 0x0001
#define IPVSADM_FMT_RULE 0x0002 /* -S */
#define IPVSADM_FMT_STATS 0x0004
#define IPVSADM_FMT_RATE 0x0008
#define IPVSADM_FMT_THRESHOLDS 0x0010
#define IPVSADM_FMT_PERSISTENTCONN 0x0020
#define IPVSADM_FMT_NOSORT 0x0040
#define IPVSADM_FMT_EXACT 0x0080
#define IPVSADM_FMT_TUN_INFO 0x0100

enum ipvsadm_tun_type { IPVSADM_TUN_IPIP = 0, IPVSADM_TUN_GUE = 1, IPVSADM_TUN_GRE = 2 };
/* --tun-nocsum/--tun-csum/--tun-remcsum: the index into {"-c","+c","r+c"} */
enum ipvsadm_tun_csum { IPVSADM_TUN_NOCSUM = 0, IPVSADM_TUN_CSUM = 1, IPVSADM_TUN_REMCSUM = 2 };

#define IPVSADM_DAEMON_MASTER 1
#define IPVSADM_DAEMON_BACKUP 2

struct ipvsadm_daemon {
	int state; /* IPVSADM_DAEMON_* */
	char mcast_ifn[DPVS_IFNAMSIZ];
	uint32_t syncid;
	uint32_t sync_maxlen;
	int mcast_af; /* 0 = not given */
	union inet_addr mcast_group;
	uint16_t mcast_port;
	uint8_t mcast_ttl;
};

struct ipvsadm_cmd {
	int cmd;          /* enum ipvsadm_cmd_id */
	uint64_t options; /* IPVSADM_OPT(col) bits that were given */
	unsigned int format; /* IPVSADM_FMT_* */
	struct dpvs_svc svc;   /* protocol 0 when fwmark != 0 */
	struct dpvs_dest dest; /* defaults: -g, weight 1 */
	int tun_type;          /* enum ipvsadm_tun_type (ipip when not given) */
	uint16_t tun_port;     /* host order */
	int tun_csum;          /* enum ipvsadm_tun_csum */
	struct dpvs_timeouts timeouts; /* --set */
	struct ipvsadm_daemon daemon;  /* --start-daemon / --stop-daemon */
	struct dpvs_laddr_req laddr;   /* -P/-Q/-G: -z LIP, -F port (svc: filled at the end) */
};

/* What the parser's verdict means for the caller (exit status and, in a
 * -R restore, whether to go on with the next line). */
enum ipvsadm_parse_rc {
	IPVSADM_PARSE_OK = 0,
	IPVSADM_PARSE_FAIL = 2,     /* fail(): exit 2, a restore stops */
	IPVSADM_PARSE_TRYHELP = 3,  /* the "Try ..." hint: exit 255, a restore stops */
	IPVSADM_PARSE_POPT = 4,     /* "word: popt error": exit 255, a restore goes on */
};

/* Flags for ipvsadm_parse(). */
#define IPVSADM_PARSE_RESOLVE 0x1 /* host names through gethostbyname() */

/*
 * Parses argv (argv[0] is the program name, used in the "Try" hint) and
 * runs every check ipvsadm makes before it talks to the kernel: option
 * values, the command x option matrix, the tunnel matrix and the
 * command-specific checks. `preset` (may be NULL) is a service already
 * given, as if -t/-u/-f had come first (ipvs_args uses it for real-server
 * lines). Returns IPVSADM_PARSE_OK or another enum ipvsadm_parse_rc with
 * the exact stderr text (newline-terminated) in msg.
 */
int ipvsadm_parse(int argc, char *const argv[], unsigned int flags,
		  const struct dpvs_svc *preset, struct ipvsadm_cmd *cmd, char *msg, size_t msglen);

/* The exit status ipvsadm uses for a parser verdict (0, 2 or 255). */
int ipvsadm_parse_exit_code(int rc);

/* optnames[col] and cmdnames[cmd - 1], as in the messages. */
const char *ipvsadm_opt_name(int col);
const char *ipvsadm_cmd_name(int cmd);

#endif /* DPVS_IPVSADM_PARSE_H */
