/* The MaxCompute options of mc-tunnel-put and mc-merge (odpsopt.h). */
#include "odpsopt.h"

#include "odps/retry.h"
#include "prog.h"
#include "stream/opt.h"

int odpsopt_take(struct odpsopt *x, int c, const char *arg)
{
	struct mc_err err = { 0 };
	switch (c) {
	case ODPSOPT_STATE:
		*x->state = arg;
		return 1;
	case ODPSOPT_CONFIG:
		x->conn->odps_config = arg;
		break;
	case ODPSOPT_ENDPOINT:
		x->conn->endpoint = arg;
		break;
	case ODPSOPT_TUNNEL:
		x->conn->tunnel_endpoint = arg;
		break;
	case ODPSOPT_CA:
		*x->ca_file = arg;
		break;
	case ODPSOPT_RETRY:
		if (opt_minutes("--retry-time", arg, x->retry_zero_ok, x->retry_max, x->retry_s,
				&err) < 0)
			prog_usage_error("%s", err.msg);
		break;
	case ODPSOPT_DELAY: {
		double s;
		if (opt_seconds("--retry-delay", arg, 0.001, 60, &s, &err) < 0)
			prog_usage_error("%s", err.msg);
		odps_retry_set_first(s);
		break;
	}
	default:
		return 0;
	}
	x->set = 1;
	return 1;
}
