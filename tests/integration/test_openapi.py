"""proto/openapi.json and the server's routing table describe the same API."""
import json

from conftest import DEMO_PASSWORD, ROOT

METHODS = {"get", "post", "put", "patch", "delete"}


def test_openapi_matches_the_routes(server):
    doc = json.loads((ROOT / "proto" / "openapi.json").read_text())
    documented = {(m.upper(), path) for path, ops in doc["paths"].items()
                  for m in ops if m in METHODS}
    token = server.login("admin", DEMO_PASSWORD)
    r = server.api("GET", "/api/v1/routes", token=token)
    assert r.status == 200
    served = {(rt["method"], rt["path"]) for rt in r.json["routes"]}
    assert served - documented == set(), "routes missing from proto/openapi.json"
    assert documented - served == set(), "documented routes the server does not have"
    # Public routes are exactly those documented with an empty security list.
    public = {(rt["method"], rt["path"]) for rt in r.json["routes"] if rt["public"]}
    doc_public = {(m.upper(), p) for p, ops in doc["paths"].items() for m, op in ops.items()
                  if m in METHODS and op.get("security") == []}
    assert public == doc_public


def test_request_schemas_referenced_by_the_document_exist():
    doc = (ROOT / "proto" / "openapi.json").read_text()
    for ref in {s.split('"')[0] for s in doc.split('"$ref": "../')[1:]}:
        assert (ROOT / ref).exists(), ref
