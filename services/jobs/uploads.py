"""An upload kept for the job that reads it: a file in the uploads folder (`JOBS_UPLOADS`, shared by the
web servers and the consumers, as `JOBS_EXPORTS` is), named for the job and removed when the job ends.

The file is written whole before the job is handed to the queue (to a temporary name first, renamed into
place), so a consumer never reads half an upload.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from models import Job
from services.errors import ValidationError
from services.jobs.files import written_whole


def uploads_folder() -> Path:
    return Path(current_app.config["JOBS_UPLOADS"])


def _path(name: str) -> Path:
    return uploads_folder() / Path(name).name  # only a name of the folder, whatever the params say


def keep_upload(job: Job, content: bytes) -> None:
    """Write the upload for `job` and name it in the job's params (the caller flushes)."""
    name = f"{job.id}.upload"
    with written_whole(uploads_folder() / name) as out:
        out.write(content)
    job.params = {**job.params, "upload": name}


def read_upload(params: dict) -> bytes:
    try:
        return _path(params["upload"]).read_bytes()
    except (KeyError, FileNotFoundError):
        raise ValidationError("The uploaded file is no longer there: upload it again.") from None


def discard_upload(job: Job) -> None:
    """Remove the job's upload, if it kept one (a job that ends, however it ends)."""
    name = (job.params or {}).get("upload")
    if name:
        _path(name).unlink(missing_ok=True)
