"""Jobs: the status and outcome of work the bridge does in the background."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask_smorest import Blueprint
from rq.exceptions import NoSuchJobError
from rq.job import Job

from app.api.problems import ProblemSchema, abort_problem, documents_errors
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


def load_job(job_id: str) -> Job:
    """The job ``job_id`` of this deployment, or a 404 problem."""
    services: Services = current_app.extensions["bridge"]
    if not job_id.startswith(services.keys.job_id("")):
        abort_problem(404, f"No job {job_id!r} in this deployment.")
    try:
        return Job.fetch(job_id, connection=services.rq_redis)
    except NoSuchJobError:
        abort_problem(404, f"No job {job_id!r}; finished jobs are kept for 7 days.")


@blp.route("/<string:id>")
@blp.doc(operationId="getJob", summary="Get a job's status and result")
@blp.response(200, JobSchema)
@documents_errors(blp, 401, 404)
def get_job(id: str) -> dict[str, Any]:
    """The status, attempts, result or error of one background job."""
    return job_record(load_job(id))
