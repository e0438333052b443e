-- wrk script: POSTs deliveries of a realistic mix (520 repositories, 50 tags, 100 pushers,
-- 1-3 fresh image digests and a fresh callback URL per push, Dockerfiles that change now and
-- then), about 1.5 KB each. Usage: wrk ... -s Benchmarks/mix.lua URL -- PATH [close]
-- PATH is the request path (/hook/<token> for hubtop, / for nginx); "close" adds
-- Connection: close so every request opens a new connection.
local path = "/"
local counter = 0
local statuses = {}

local tags = { "latest", "edge", "main", "stable", "nightly" }
for i = 0, 44 do tags[#tags + 1] = string.format("v1.%d.%d", math.floor(i / 5), i % 5) end

local function hex(n)
  local t = {}
  for i = 1, n do t[i] = string.format("%x", math.random(0, 15)) end
  return table.concat(t)
end

local dockerfile = [[# syntax=docker/dockerfile:1\n# %s, revision %d\nFROM golang:1.23 AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0 go build -trimpath -o /out/app ./cmd/app\n\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=build /out/app /app\nUSER 65532:65532\nEXPOSE %d\nENTRYPOINT [\"/app\"]\n]]

function init(args)
  path = args[1] or "/"
  if args[2] == "close" then wrk.headers["Connection"] = "close" end
  wrk.headers["Content-Type"] = "application/json"
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
end

function request()
  counter = counter + 1
  local repo = math.random(0, 519)
  local name = string.format("org%d/service-%d", repo % 60, repo)
  local revision = (math.floor(counter / 50) + repo) % 7
  local images = {}
  for i = 1, math.random(1, 3) do images[i] = '"sha256:' .. hex(64) .. '"' end
  local body = string.format(
    '{"callback_url":"https://registry.hub.docker.com/u/%s/hook/%s/",' ..
    '"push_data":{"images":[%s],"pushed_at":%d,"pusher":"builder-%d","tag":"%s"},' ..
    '"repository":{"comment_count":%d,"date_created":1600000000,' ..
    '"description":"Service %d: builds from main, deployed by the platform team.",' ..
    '"dockerfile":"' .. dockerfile .. '",' ..
    '"full_description":"# %s\\n\\nSee the runbook before deploying.","is_official":false,' ..
    '"is_private":%s,"is_trusted":true,"name":"service-%d","namespace":"org%d","owner":"org%d",' ..
    '"repo_name":"%s","repo_url":"https://registry.hub.docker.com/u/%s/","star_count":%d,"status":"Active"}}',
    name, hex(32), table.concat(images, ","), 1790000000 + counter, math.random(0, 99),
    tags[math.random(1, #tags)], repo % 7, repo, name, revision, 8000 + revision, name,
    repo % 3 == 0 and "true" or "false", repo, repo % 60, repo % 60, name, name, repo % 40)
  return wrk.format("POST", path, nil, body)
end

function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("RATE %.1f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("ERRORS %d\n", summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.status + summary.errors.timeout))
end
