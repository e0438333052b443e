-- The realistic mix of mix.lua, paced: each connection waits DELAY ms between requests, so
-- -cN gives about N * 1000 / DELAY requests a second. Usage: ... -- PATH DELAY
local mix = dofile("Benchmarks/mix.lua")
local base_init = init
local pause = 10

function init(args)
  base_init({ args[1] })
  pause = tonumber(args[2]) or 10
end

function delay()
  return pause
end
