-- wrk script: POST /api/verify with the body the verify page sends ({"path", "fragment"}).
-- The body comes from the environment (bench/serve-load.sh sets VERIFY_BODY).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("VERIFY_BODY")
