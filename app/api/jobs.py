"""Jobs: the status and outcome of work the bridge does in the background."""

from __future__ import annotations

import re
import time
from typing import Any

import marshmallow as ma
from flask import Response, current_app, make_response, request
from flask_smorest import Blueprint
from rq.exceptions import NoSuchJobError
from rq.job import Job

from app.api.idempotency import writes_pipeline
from app.api.problems import ProblemSchema, abort_problem, documents_errors
from app.jobs import registry
from app.jobs.records import job_record
from app.services import Services

blp = Blueprint("jobs", __name__, url_prefix="/v1/jobs", description="Background jobs and the error queue.")


class JobSchema(ma.Schema):
    """A background job."""

    id = ma.fields.String(metadata={"example": "bridge-upsert-400123851542-3f2a"})
    kind = ma.fields.String(metadata={"example": "upsert-cin7"})
    status = ma.fields.String(
        metadata={"enum": ["queued", "scheduled", "started", "finished", "failed"], "example": "finished"}
    )
    createdAt = ma.fields.String(metadata={"format": "date-time"})
    endedAt = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    attempts = ma.fields.Integer(metadata={"example": 1})
    result = ma.fields.Raw(allow_none=True, metadata={"description": "What the job returned, once finished."})
    error = ma.fields.Nested(ProblemSchema, allow_none=True, metadata={"description": "Why it failed."})


class JobListArgs(ma.Schema):
    """Filters of the job list."""

    status = ma.fields.String(
        load_default="failed",
        validate=ma.validate.OneOf(registry.STATUSES),
        metadata={"description": "Which jobs: `failed` is the error queue."},
    )
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    perPage = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=500))


class JobPageSchema(ma.Schema):
    """One page of jobs, newest first."""

    items = ma.fields.List(ma.fields.Nested(JobSchema))
    page = ma.fields.Integer()
    perPage = ma.fields.Integer()
    total = ma.fields.Integer()


MAX_WAIT_SECONDS = 30
_WAIT = re.compile(r"(?:^|[,;\s])wait\s*=\s*(\d+)", re.IGNORECASE)
PREFER_WAIT_DOC = {
    "in": "header",
    "name": "Prefer",
    "required": False,
    "schema": {"type": "string", "example": "wait=10"},
    "description": "`wait=N` (N ≤ 30): wait up to N seconds and answer 200 with the finished job.",
}


def requested_wait() -> int | None:
    """Seconds from ``Prefer: wait=N`` (RFC 7240), capped at 30, or None."""
    match = _WAIT.search(request.headers.get("Prefer", ""))
    return min(int(match.group(1)), MAX_WAIT_SECONDS) if match else None


def accepted_job_response(job: Job) -> Response:
    """202 with the job and ``Location``; with ``Prefer: wait=N``, the finished job as a 200
    if it ends in time (the job is written first, so a worker can take it meanwhile)."""
    wait = requested_wait()
    status = 202
    if wait:
        writes_pipeline().execute()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and job.get_status() not in ("finished", "failed"):
            time.sleep(0.1)
        if job.get_status() in ("finished", "failed"):
            status = 200
    response = make_response(current_app.json.dumps(job_record(job)), status)
    response.mimetype = "application/json"
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    if wait:
        response.headers["Preference-Applied"] = f"wait={wait}"
    return response


def load_job(job_id: str) -> Job:
    """The job ``job_id`` of this deployment, or a 404 problem."""
    services: Services = current_app.extensions["bridge"]
    if not job_id.startswith(services.keys.job_id("")):
        abort_problem(404, f"No job {job_id!r} in this deployment.")
    try:
        return Job.fetch(job_id, connection=services.rq_redis)
    except NoSuchJobError:
        abort_problem(404, f"No job {job_id!r}; finished jobs are kept for 7 days.")


@blp.route("")
@blp.doc(operationId="listJobs", summary="List jobs by status (the error queue by default)")
@blp.arguments(JobListArgs, location="query")
@blp.response(200, JobPageSchema)
@documents_errors(blp, 401, 422)
def list_jobs(args: dict[str, Any]) -> dict[str, Any]:
    """Jobs in one status, newest first, paginated. `status=failed` (the default) is the error
    queue: each job's `error` says why, with the upstream request id when Afterpay or Cin7 refused."""
    services: Services = current_app.extensions["bridge"]
    jobs = registry.list_jobs(services, args["status"])
    start = (args["page"] - 1) * args["perPage"]
    page = jobs[start : start + args["perPage"]]
    return {
        "items": [job_record(job) for job in page],
        "page": args["page"],
        "perPage": args["perPage"],
        "total": len(jobs),
    }


@blp.route("/<string:id>/retry", methods=["POST"])
@blp.doc(operationId="retryJob", summary="Replay a failed job")
@blp.response(202, JobSchema)
@documents_errors(blp, 401, 404, (409, "The job is not failed, so there is nothing to retry"))
def retry_job(id: str) -> dict[str, Any]:
    """Put a failed job back on its queue under the same id. Every job is idempotent, so a
    replay never duplicates anything in Afterpay or Cin7."""
    services: Services = current_app.extensions["bridge"]
    job = load_job(id)
    try:
        registry.retry(services, job)
    except registry.NotRetryable as exc:
        abort_problem(409, str(exc), slug="not-retryable")
    return job_record(job)


@blp.route("/<string:id>")
@blp.doc(operationId="getJob", summary="Get a job's status and result")
@blp.response(200, JobSchema)
@documents_errors(blp, 401, 404)
def get_job(id: str) -> dict[str, Any]:
    """The status, attempts, result or error of one background job."""
    return job_record(load_job(id))
