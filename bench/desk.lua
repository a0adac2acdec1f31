-- wrk script for `make bench-desk`: each request records one visit with a fresh client UUID
-- (or, for the ceiling, inserts one row under one). Prints a JSON line the bench parses.
-- Arguments: the body's template, then the desks' tokens (comma-separated): each request goes
-- out under the next desk's token, as from many desks, each with its own account.
wrk.method = "POST"
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 100 + tid)
  body_template = args[1]
  tokens = {}
  for token in string.gmatch(args[2] or "", "[^,]+") do table.insert(tokens, token) end
  next_token = tid
end

local function hex(n)
  local t = {}
  for i = 1, n do t[i] = string.format("%x", math.random(0, 15)) end
  return table.concat(t)
end

request = function()
  local uid = hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-a" .. hex(3) .. "-" .. hex(12)
  local headers = nil
  if #tokens > 0 then
    headers = {}
    for name, value in pairs(wrk.headers) do headers[name] = value end
    headers["Authorization"] = "Bearer " .. tokens[(next_token % #tokens) + 1]
    next_token = next_token + 1
  end
  return wrk.format(nil, nil, headers, string.format(body_template, uid))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.status + e.timeout))
end
