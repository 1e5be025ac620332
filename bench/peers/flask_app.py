# The vendor's Flask listener pattern, made to do the job huskyhook does
# so that the benchmark compares like with like: HMAC-SHA256 over the raw
# body, the event stored under its event_id exclusively (link of an
# fsync'd temporary file, then fsync of the directory), 200. Run under
# gunicorn by bench/run.sh. Environment: HH_SECRET_FILE, HH_SPOOL.
import hashlib
import hmac
import itertools
import json
import os
import re

from flask import Flask, jsonify, request

app = Flask(__name__)
SECRET = open(os.environ["HH_SECRET_FILE"], "rb").read().rstrip(b"\n")
SPOOL = os.environ["HH_SPOOL"]
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
counter = itertools.count()


@app.route("/huskyhook", methods=["POST"])
def webhook():
    body = request.get_data()
    expected = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get("X-Husky-Signature", "").lower(), expected):
        return jsonify(error="bad signature"), 401
    try:
        event_id = json.loads(body)["event_id"]
    except (ValueError, KeyError, TypeError):
        return jsonify(error="bad event"), 400
    if not isinstance(event_id, str) or not ID.match(event_id):
        return jsonify(error="bad event_id"), 400
    tmp = "%s/tmp/%d.%d" % (SPOOL, os.getpid(), next(counter))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, body)
        os.fsync(fd)
    finally:
        os.close(fd)
    status = "accepted"
    try:
        os.link(tmp, "%s/events/%s.json" % (SPOOL, event_id))
    except FileExistsError:
        status = "duplicate"
    os.unlink(tmp)
    dfd = os.open(SPOOL + "/events", os.O_RDONLY)
    os.fsync(dfd)
    os.close(dfd)
    return jsonify(status=status, event_id=event_id), 200
