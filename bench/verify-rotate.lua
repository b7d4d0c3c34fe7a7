-- wrk script: POST /api/verify, cycling round-robin through many bodies ({"path", "fragment"}),
-- one per line of the file named by VERIFY_BODIES (bench/serve-load.sh writes it).
local bodies = {}
for line in io.lines(os.getenv("VERIFY_BODIES")) do
  if #line > 0 then bodies[#bodies + 1] = line end
end
local i = 0
local headers = { ["Content-Type"] = "application/json" }

request = function()
  i = i % #bodies + 1
  return wrk.format("POST", nil, headers, bodies[i])
end
