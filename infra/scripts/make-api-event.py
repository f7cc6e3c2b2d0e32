#!/usr/bin/env python3
"""Writes events/FUNCTION.json: an API Gateway HTTP API (payload 2.0) event with a Cognito
JWT authorizer, in the shape of AWS's sample (aws_lambda_events'
example-apigw-v2-request-jwt-authorizer.json), for `sam local invoke -e` and the tests.

usage: make-api-event.py FUNCTION METHOD ROUTE_PATH CONCRETE_PATH [--body JSON] [--query a=1&b=2] [--public]
       [--groups "[admins support]"]
"""
import argparse
import json
import pathlib
import urllib.parse

# The sample caller of every event: a Cognito user with a verified email.
SUB = "4f8a2b6e-1c3d-4e5f-9a7b-2c1d0e9f8a7b"
EMAIL = "ada@example.com"

parser = argparse.ArgumentParser()
parser.add_argument("function")
parser.add_argument("method")
parser.add_argument("route_path")
parser.add_argument("path")
parser.add_argument("--body")
parser.add_argument("--query", default="")
parser.add_argument("--public", action="store_true", help="route without the JWT authorizer")
parser.add_argument("--groups", default="[support]", help="cognito:groups claim, as the HTTP API passes it")
args = parser.parse_args()

route_params = [p.strip("{}") for p in args.route_path.split("/") if p.startswith("{")]
values = [v for r, v in zip(args.route_path.split("/"), args.path.split("/")) if r.startswith("{")]
route_key = f"{args.method} {args.route_path}"
event = {
    "version": "2.0",
    "routeKey": route_key,
    "rawPath": args.path,
    "rawQueryString": args.query,
    "headers": {
        "accept": "application/json",
        "content-length": str(len(args.body or "")),
        "content-type": "application/json",
        "host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
        "user-agent": "curl/8.5.0",
        "x-amzn-trace-id": "Root=1-65a1b2c3-0123456789abcdef01234567",
        "x-forwarded-for": "203.0.113.10",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    },
    "requestContext": {
        "accountId": "123456789012",
        "apiId": "a1b2c3d4e5",
        "domainName": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "a1b2c3d4e5",
        "http": {
            "method": args.method,
            "path": args.path,
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.10",
            "userAgent": "curl/8.5.0",
        },
        "requestId": "Yf3kZhGkoAMEJfw=",
        "routeKey": route_key,
        "stage": "$default",
        "time": "03/Dec/2026:10:15:30 +0000",
        "timeEpoch": 1796292930000,
    },
    "isBase64Encoded": False,
}
if not args.public:
    event["headers"]["authorization"] = "Bearer eyJraWQiOiJFeGFtcGxlIiwiYWxnIjoiUlMyNTYifQ.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJl"
    event["requestContext"]["authorizer"] = {
        "jwt": {
            "claims": {
                "aud": "3n4b5urk1ft4fl3mg5e62d9ado",
                "auth_time": "1796292900",
                "cognito:groups": args.groups,
                "cognito:username": SUB,
                "email": EMAIL,
                "email_verified": "true",
                "event_id": "0f9e8d7c-6b5a-4321-9876-fedcba987654",
                "exp": "Thu Dec 03 11:15:00 UTC 2026",
                "iat": "Thu Dec 03 10:15:00 UTC 2026",
                "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1",
                "origin_jti": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
                "sub": SUB,
                "token_use": "id",
            },
            "scopes": None,
        }
    }
if args.query:
    event["queryStringParameters"] = dict(urllib.parse.parse_qsl(args.query))
if route_params:
    event["pathParameters"] = dict(zip(route_params, values))
if args.body is not None:
    event["body"] = args.body

out = pathlib.Path(__file__).resolve().parents[2] / "events" / f"{args.function}.json"
out.write_text(json.dumps(event, indent=2) + "\n")
print(out)
