/* health — the targets' health endpoint. */
#include "health.h"

#include <event2/http.h>

#include "reply.h"

void health_handle(struct sim_target *t, struct evhttp_request *req, struct sim_answer *ans)
{
	enum evhttp_cmd_type method = evhttp_request_get_command(req);

	if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		ans->status = 405;
		ans->body = reply_error_body("method_not_allowed", "use GET /health", NULL);
		return;
	}
	sim_count(sim_target_sim(t), SIM_RX_HEALTH);
	ans->status = 200;
	ans->body = json_pack("{s:s, s:s}", "status", "ok", "target", sim_target_name(t));
}
