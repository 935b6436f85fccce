-- pricing.lua - wrk script for bench/heartbeat.sh: pricing reports of 20 prices each.
--
--   wrk -t1 -c32 -d15s --latency -s bench/pricing.lua https://127.0.0.1:PORT -- FILE THREADS [PREFIX]
--
-- FILE and the split over threads as in bench/heartbeat.lua. Every request is
--   POST PREFIX/api/agents/{agent_id}/pricing-report   (DESIGN.md section 5)
--   {"instance_id":"...","role":"primary","ondemand_price":0.096,
--    "prices":[20 x {"instance_type","az","price","observed_at"}]}
-- 5 instance types x 4 AZs of us-east-1. observed_at is the same for the 20 prices of a
-- report and distinct between the reports of one agent (one second further back each
-- time round the agent list, from an hour ago), so every price is a new
-- spot_price_snapshots row (unique on pool, observed_at, instance).

local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
end

local types = { "m5.large", "c5.large", "r5.large", "t3.medium", "m6i.large" }
local azs = { "us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d" }

function init(args)
   local file, nthreads, prefix = args[1], tonumber(args[2]), args[3] or ""
   if not file or not nthreads then error("usage: -- FILE THREADS [PREFIX]") end
   agents, i = {}, 0
   for line in io.lines(file) do
      local agent, inst, token = line:match("^(%S+) (%S+) (%S+)")
      if agent then
         if i % nthreads == tid then
            local headers = {}
            for k, v in pairs(wrk.headers) do headers[k] = v end
            headers["Authorization"] = "Bearer " .. token
            headers["Content-Type"] = "application/json"
            agents[#agents + 1] = { path = prefix .. "/api/agents/" .. agent .. "/pricing-report",
                                    headers = headers, inst = inst }
         end
         i = i + 1
      end
   end
   if #agents == 0 then error("pricing.lua: no agents for thread " .. tid .. " in " .. file) end
   n, pos, round = #agents, 0, 0
   base = os.time() - 3600
end

function request()
   pos = pos + 1
   if pos > n then pos, round = 1, round + 1 end
   local a = agents[pos]
   local at = os.date("!%Y-%m-%dT%H:%M:%SZ", base - round)
   local p = {}
   for t = 1, #types do
      for z = 1, #azs do
         p[#p + 1] = string.format('{"instance_type":"%s","az":"%s","price":%.4f,"observed_at":"%s"}',
                                   types[t], azs[z], 0.02 + 0.001 * ((pos + t * 7 + z) % 50), at)
      end
   end
   local body = string.format('{"instance_id":"%s","role":"primary","ondemand_price":0.096,"prices":[%s]}',
                              a.inst, table.concat(p, ","))
   return wrk.format("POST", a.path, a.headers, body)
end
