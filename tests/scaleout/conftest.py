"""Fixtures: one redis-server for the whole run, and clusters of three
release replicas behind nginx sharing it: `cluster` (no rate limit: the
conformance suite, fan-out, the Redis outage), `limited_cluster`
(MCP_RATE_LIMIT=20/minute, nginx trusted for X-Forwarded-For) and
`legacy_clusters` (MCP_LEGACY_SESSIONS=true, sticky and round-robin)."""
import os
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from cluster import Cluster, Redis, write_keys_file  # noqa: E402


@pytest.fixture(scope="session")
def workdir():
    keep = os.environ.get("SCALEOUT_WORKDIR")
    if keep:
        os.makedirs(keep, exist_ok=True)
        return keep
    return tempfile.mkdtemp(prefix="scaleout-")


@pytest.fixture(scope="session")
def redis(workdir):
    server = Redis(workdir).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def keys_file(workdir):
    return write_keys_file(os.path.join(workdir, "request-state-keys"))


@pytest.fixture(scope="session")
def cluster(workdir, redis, keys_file):
    started = Cluster(workdir, redis, keys_file).start()
    yield started
    started.stop()


@pytest.fixture(scope="session")
def legacy_clusters(workdir, redis, keys_file):
    """Legacy sessions on three replicas, twice: nginx hashing on the client
    address (the routing the README asks for), and round-robin (the
    control that must break)."""
    sticky = Cluster(workdir, redis, keys_file, name="legacy-sticky",
                     env={"MCP_LEGACY_SESSIONS": "true"},
                     balance="hash $remote_addr consistent;").start()
    spread = Cluster(workdir, redis, keys_file, name="legacy-spread",
                     env={"MCP_LEGACY_SESSIONS": "true"}).start()
    yield sticky, spread
    sticky.stop()
    spread.stop()


@pytest.fixture(scope="session")
def limited_cluster(workdir, redis, keys_file):
    started = Cluster(
        workdir, redis, keys_file, name="limited",
        env={"MCP_RATE_LIMIT": "20/minute", "MCP_TRUSTED_PROXIES": "127.0.0.1/32"},
    ).start()
    yield started
    started.stop()
