-- Render a 20-line template with 10 interpolations 200,000 times, summing the lengths.
-- Lua has no string interpolation; concatenation with `..` is the direct equivalent
-- (numbers convert with tostring, so 2.0 prints as "2.0" as in Python and Quill).
local names = {"Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"}
local streets = {"12 Main Street", "7 Harbour Road", "301 Elm Avenue"}
local cities = {"Lisbon", "Oslo", "Kyoto", "Quito", "Perth"}
local statuses = {"pending", "packed", "shipped"}

local function render(i)
  local name = names[i % 4 + 1]
  local order = 100000 + i
  local count = i % 7 + 1
  local subtotal = i / 4
  local tax = i % 100
  local total = subtotal + tax
  local street = streets[i % 3 + 1]
  local city = cities[i % 5 + 1]
  local status = statuses[i % 3 + 1]
  local code = "QX" .. (i * 7919 % 100000)
  return "Order confirmation\n" ..
    "==================\n" ..
    "Customer: " .. name .. "\n" ..
    "Order number: " .. order .. "\n" ..
    "Items: " .. count .. "\n" ..
    "Subtotal: " .. subtotal .. "\n" ..
    "Tax: " .. tax .. "\n" ..
    "Total: " .. total .. "\n" ..
    "\n" ..
    "Shipping to:\n" ..
    "  " .. street .. "\n" ..
    "  " .. city .. "\n" ..
    "\n" ..
    "Status: " .. status .. "\n" ..
    "Tracking code: " .. code .. "\n" ..
    "\n" ..
    "Thank you for shopping with us.\n" ..
    "If you have any questions, reply to this message.\n" ..
    "--\n" ..
    "The Quill Store"
end

local function main()
  local sum = 0
  for i = 0, 200000 - 1 do
    sum = sum + #render(i)
  end
  print(sum)
  print(render(199999))
end

main()
