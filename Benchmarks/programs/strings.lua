-- Build a 3,000,000-character string from 1,000,000 small pieces (collected in a table,
-- then table.concat), then count the non-overlapping occurrences of a substring.
local function count(s, sub)
  local n, pos = 0, 1
  local find = string.find
  while true do
    local a, b = find(s, sub, pos, true)
    if not a then return n end
    n = n + 1
    pos = b + 1
  end
end

local function main()
  local pieces = {}
  for i = 0, 1000000 - 1 do
    pieces[#pieces + 1] = "ab" .. (i % 10)
  end
  local s = table.concat(pieces)
  print(#s)
  print(count(s, "b1ab2"))
end

main()
