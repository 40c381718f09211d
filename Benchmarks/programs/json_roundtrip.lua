-- Encode and decode a nested structure 10,000 times.
--
-- Lua's standard library has no JSON, so this file carries a small pure-Lua encoder and
-- decoder in the style of dkjson (which a Lua user would normally pull in): output spacing
-- matches Python's json.dumps ('{"a": [1, 2]}'), and object keys are written in the order
-- given by KEY_ORDER (dkjson's `keyorder` option), which matches the insertion order the
-- Quill and Python versions use, so all three produce byte-identical text.

local json = {}

do
  local byte, char, find, format, sub = string.byte, string.char, string.find, string.format, string.sub
  local concat, mtype, tointeger, floor = table.concat, math.type, math.tointeger, math.floor

  json.null = setmetatable({}, { __tostring = function() return "null" end })

  local escapes = {
    ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f',
    ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t',
  }
  local function escape_char(c)
    return escapes[c] or format("\\u%04x", byte(c))
  end

  local function encode_string(s)
    if find(s, '[%z\1-\31"\\]') then
      s = s:gsub('[%z\1-\31"\\]', escape_char)
    end
    return '"' .. s .. '"'
  end

  local function encode_number(v)
    if mtype(v) == "integer" then return tostring(v) end
    if v ~= v or v == math.huge or v == -math.huge then
      error("cannot encode " .. tostring(v))
    end
    if v == floor(v) and v > -1e16 and v < 1e16 then return format("%.1f", v) end
    for digits = 15, 17 do      -- shortest text that reads back as the same double
      local s = format("%." .. digits .. "g", v)
      if tonumber(s) == v then return s end
    end
  end

  local keyorder_prefix = {}   -- '"name": ' for every key in a keyorder list

  local function encode_value(v, buf, n, keyorder)
    local t = type(v)
    if t == "string" then
      n = n + 1; buf[n] = encode_string(v)
    elseif t == "number" then
      n = n + 1; buf[n] = encode_number(v)
    elseif t == "boolean" then
      n = n + 1; buf[n] = v and "true" or "false"
    elseif v == nil or v == json.null then
      n = n + 1; buf[n] = "null"
    elseif t == "table" then
      local len = #v
      if len > 0 or next(v) == nil then       -- array (an empty table encodes as [])
        n = n + 1; buf[n] = "["
        for i = 1, len do
          if i > 1 then n = n + 1; buf[n] = ", " end
          n = encode_value(v[i], buf, n, keyorder)
        end
        n = n + 1; buf[n] = "]"
      else                                    -- object: keys in KEY_ORDER, then the rest sorted
        n = n + 1; buf[n] = "{"
        local first = true
        for _, k in ipairs(keyorder) do
          local item = v[k]
          if item ~= nil then
            if first then first = false else n = n + 1; buf[n] = ", " end
            n = n + 1; buf[n] = keyorder_prefix[k]
            n = encode_value(item, buf, n, keyorder)
          end
        end
        local rest
        for k in pairs(v) do
          if not keyorder[k] then rest = rest or {}; rest[#rest + 1] = k end
        end
        if rest then
          table.sort(rest, function(a, b) return tostring(a) < tostring(b) end)
          for _, k in ipairs(rest) do
            if first then first = false else n = n + 1; buf[n] = ", " end
            n = n + 1; buf[n] = encode_string(tostring(k)) .. ": "
            n = encode_value(v[k], buf, n, keyorder)
          end
        end
        n = n + 1; buf[n] = "}"
      end
    else
      error("cannot encode a " .. t)
    end
    return n
  end

  -- `keyorder` is a list of key names; it is also used as a set (keyorder[name] = true),
  -- filled in on first use and kept for later calls, along with each key's encoded prefix.
  function json.encode(v, keyorder)
    keyorder = keyorder or {}
    if keyorder[1] ~= nil and not keyorder[keyorder[1]] then
      for _, k in ipairs(keyorder) do
        keyorder[k] = true
        keyorder_prefix[k] = encode_string(k) .. ": "
      end
    end
    local buf = {}
    local n = encode_value(v, buf, 0, keyorder)
    return concat(buf, "", 1, n)
  end

  -- Decoding ---------------------------------------------------------------------------

  local decode_value

  local function fail(s, i, what)
    error(format("json.decode: %s at byte %d", what, i), 0)
  end

  local function skip_ws(s, i)
    local c = byte(s, i)
    if c ~= 32 and c ~= 9 and c ~= 10 and c ~= 13 then return i end
    return find(s, "[^ \t\r\n]", i) or #s + 1
  end

  local unescapes = {
    [34] = '"', [92] = "\\", [47] = "/", [98] = "\b", [102] = "\f",
    [110] = "\n", [114] = "\r", [116] = "\t",
  }

  local function decode_string(s, i)    -- i is just past the opening quote
    local j = find(s, '["\\]', i)
    if not j then fail(s, i, "unterminated string") end
    if byte(s, j) == 34 then return sub(s, i, j - 1), j + 1 end
    local parts, n = {}, 0
    while true do
      j = find(s, '["\\]', i)
      if not j then fail(s, i, "unterminated string") end
      n = n + 1; parts[n] = sub(s, i, j - 1)
      if byte(s, j) == 34 then return concat(parts), j + 1 end
      local e = byte(s, j + 1)
      if e == 117 then                    -- \uXXXX, with surrogate pairs
        local code = tonumber(sub(s, j + 2, j + 5), 16)
        if not code then fail(s, j, "bad \\u escape") end
        i = j + 6
        if code >= 0xD800 and code <= 0xDBFF and sub(s, i, i + 1) == "\\u" then
          local low = tonumber(sub(s, i + 2, i + 5), 16)
          if low and low >= 0xDC00 and low <= 0xDFFF then
            code = 0x10000 + (code - 0xD800) * 0x400 + (low - 0xDC00)
            i = i + 6
          end
        end
        n = n + 1; parts[n] = utf8.char(code)
      else
        local c = unescapes[e]
        if not c then fail(s, j, "bad escape") end
        n = n + 1; parts[n] = c
        i = j + 2
      end
    end
  end

  local function decode_number(s, i)
    local a, b = find(s, "^-?%d+%.?%d*[eE]?[-+]?%d*", i)
    if not a then fail(s, i, "expected a value") end
    local text = sub(s, a, b)
    local v
    if find(text, "[.eE]") then
      v = tonumber(text)
      if v then v = v + 0.0 end
    else
      v = tointeger(text) or tonumber(text)
    end
    if not v then fail(s, i, "bad number") end
    return v, b + 1
  end

  local function decode_array(s, i)     -- i is just past '['
    local arr, n = {}, 0
    i = skip_ws(s, i)
    if byte(s, i) == 93 then return arr, i + 1 end
    while true do
      local v
      v, i = decode_value(s, i)
      n = n + 1; arr[n] = v
      i = skip_ws(s, i)
      local c = byte(s, i)
      if c == 93 then return arr, i + 1 end
      if c ~= 44 then fail(s, i, "expected ',' or ']'") end
      i = skip_ws(s, i + 1)
    end
  end

  local function decode_object(s, i)    -- i is just past '{'
    local obj = {}
    i = skip_ws(s, i)
    if byte(s, i) == 125 then return obj, i + 1 end
    while true do
      if byte(s, i) ~= 34 then fail(s, i, "expected a string key") end
      local k, v
      k, i = decode_string(s, i + 1)
      i = skip_ws(s, i)
      if byte(s, i) ~= 58 then fail(s, i, "expected ':'") end
      v, i = decode_value(s, skip_ws(s, i + 1))
      obj[k] = v
      i = skip_ws(s, i)
      local c = byte(s, i)
      if c == 125 then return obj, i + 1 end
      if c ~= 44 then fail(s, i, "expected ',' or '}'") end
      i = skip_ws(s, i + 1)
    end
  end

  decode_value = function(s, i)
    local c = byte(s, i)
    if c == 123 then return decode_object(s, i + 1)
    elseif c == 91 then return decode_array(s, i + 1)
    elseif c == 34 then return decode_string(s, i + 1)
    elseif c == 116 and sub(s, i, i + 3) == "true" then return true, i + 4
    elseif c == 102 and sub(s, i, i + 4) == "false" then return false, i + 5
    elseif c == 110 and sub(s, i, i + 3) == "null" then return json.null, i + 4
    else return decode_number(s, i)
    end
  end

  function json.decode(s)
    local v, i = decode_value(s, skip_ws(s, 1))
    i = skip_ws(s, i)
    if i <= #s then fail(s, i, "extra data after the JSON value") end
    return v
  end
end

-- The benchmark -------------------------------------------------------------------------

-- Insertion order of the keys in the Quill and Python versions (top level: name, version,
-- seq, scale, items, meta; items: name, id, price, active, tags, dims; meta: count, ratio,
-- ok, note), merged into one list as dkjson's keyorder expects.
local KEY_ORDER = {
  "name", "id", "version", "seq", "scale", "items", "price", "active", "tags", "dims",
  "meta", "count", "ratio", "ok", "note",
}

local function make_data()
  local items = {}
  for i = 0, 9 do
    items[#items + 1] = {
      name = "item" .. i,
      id = i,
      price = i * 1.5 + 0.25,
      active = i % 2 == 0,
      tags = { "red", "green", "t" .. i },
      dims = { i, i + 1, { i * 2, "x" } },
    }
  end
  return {
    name = "catalog",
    version = 3,
    seq = 0,
    scale = 2.0,
    items = items,
    meta = { count = 10, ratio = 0.5, ok = true, note = "say \"hi\"\n\tbye" },
  }
end

local function main()
  local data = make_data()
  local total_len = 0
  local seq_sum = 0
  local last
  for k = 0, 10000 - 1 do
    data.seq = k
    local text = json.encode(data, KEY_ORDER)
    total_len = total_len + #text
    last = json.decode(text)
    seq_sum = seq_sum + last.seq
  end
  print(total_len)
  print(seq_sum)
  print(last.items[10].price)
  print(last.items[10].tags[3])
  print(last.scale)
  print(#last.meta.note)
  print(json.encode(data.items[4], KEY_ORDER))
end

main()
