-- wrk script for the soak: a mix of valid deliveries (mostly distinct, some redeliveries) and
-- invalid requests, counting every status so the runner can check there was no 5xx.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
  table.insert(threads, thread)
end

function init(args)
  token = args[1] or "soak-token-0123456789"
  statuses = {}
end

local invalid = {
  "not json at all",
  '{"push_data":{}}',
  '{"a":NaN}',
  '[1,2,3]',
  '{"repository":{"repo_name":"a/b"}} trailing',
  '',
}

function request()
  counter = counter + 1
  local n = counter * 16 + id
  local kind = counter % 20
  if kind == 0 then
    return wrk.format("POST", "/hook/" .. token, {["Content-Type"] = "application/json"}, invalid[(n % #invalid) + 1])
  elseif kind == 1 then
    return wrk.format("POST", "/hook/wrong-token", nil, "{}")
  end
  -- One request in 20 repeats the push of five requests before (a valid one): a redelivery.
  local push = n
  if kind == 2 then push = n - 16 * 5 end
  local repo = "soak" .. (push % 500) .. "/app" .. (push % 7)
  local body = string.format(
    '{"callback_url":"https://registry.hub.docker.com/u/%s/hook/%d/","push_data":{"images":["sha256:%064d"],' ..
    '"pushed_at":%d,"pusher":"pusher%d","tag":"v%d"},"repository":{"repo_name":"%s","namespace":"soak%d",' ..
    '"name":"app%d","dockerfile":"FROM alpine:3.%d\\nRUN make\\n","is_private":false,"status":"Active"}}',
    repo, push, push, 1700000000 + push, push % 100, push % 50, repo, push % 500, push % 7, push % 5)
  return wrk.format("POST", "/hook/" .. token, {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for status, count in pairs(counts) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  local line = "STATUSES"
  for status, count in pairs(totals) do line = line .. " " .. status .. "=" .. count end
  io.write(line .. "\n")
end
