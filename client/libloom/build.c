/* Request builders for loom_call: each writes one message from its typed form (proto.h). */
#include "loom-conn.h"

void loom_build_job_submit(struct mpw *w, int type, uint64_t id, const void *spec)
{
	(void)type; /* always MSG_JOB_SUBMIT */
	msg_encode_job_submit(w, id, spec);
}

void loom_build_id_request(struct mpw *w, int type, uint64_t id, const void *msg_id_request)
{
	msg_encode_id_request(w, type, id, msg_id_request);
}

void loom_build_list_request(struct mpw *w, int type, uint64_t id,
			     const void *msg_list_request)
{
	msg_encode_list_request(w, type, id, msg_list_request);
}
