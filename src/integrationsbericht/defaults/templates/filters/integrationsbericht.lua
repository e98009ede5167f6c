--[[
Integrationsbericht: the one Lua filter used by both renderers.

Under Quarto (global `quarto` present) it only handles the `.ib-data` blocks;
Quarto itself numbers figures and tables, resolves cross-references and draws callouts.
Under plain pandoc (the pandoc renderer) it also
  * puts the `fig-alt` text on the image (HTML `alt`, Typst `image(alt: …)`),
  * numbers figures and tables in HTML ("Abbildung 3: …") from the registry the
    renderer passes as metadata `ib-refs`, and resolves `@fig-…`/`@tbl-…`,
  * turns `.callout-note` / `.callout-warning` into styled boxes,
  * rewrites links to other chapters (`*.ipynb`, `*.qmd`) to their HTML pages,
  * prefixes the chapter title with its number (metadata `ib-chapter-number`).
]]

local is_quarto = (type(quarto) == "table")
local is_html = FORMAT:match("html") ~= nil
local is_typst = FORMAT:match("typst") ~= nil

local refs = {}
local chapter_number = nil
local data_label = "Daten zur Abbildung"

local function typst_string(s)
  s = s:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", " ")
  return '"' .. s .. '"'
end

local function typst_inlines(inlines)
  local doc = pandoc.Pandoc({ pandoc.Plain(inlines) })
  local out = pandoc.write(doc, "typst")
  return (out:gsub("%s+$", ""))
end

local function has_class(el, cls)
  return el.classes and el.classes:includes(cls)
end

-- .ib-data: <details> in HTML, dropped in every other format (PDF).
local function data_block(div)
  if not has_class(div, "ib-data") then
    return nil
  end
  if is_html then
    -- A block with the chart's numbers as a table is "Daten zur Abbildung"; a block with
    -- download links only ("Daten zur Tabelle: CSV · Excel") takes its lead-in as summary.
    local label = data_label
    local has_table = false
    div:walk({ Table = function(t) has_table = true end })
    local first = div.content[1]
    if not has_table then
      label = "Daten herunterladen"
      if first and (first.t == "Para" or first.t == "Plain") then
        local lead = pandoc.utils.stringify(first):match("^([^:]+):")
        if lead and utf8.len(lead) <= 60 then
          label = lead
        end
      end
    end
    local blocks = pandoc.List({
      pandoc.RawBlock("html", '<details class="ib-data">\n<summary>' .. label .. "</summary>"),
    })
    blocks:extend(div.content)
    blocks:insert(pandoc.RawBlock("html", "</details>"))
    return blocks
  end
  return {}
end

-- Quarto's conditional content for the pandoc path (Quarto handles it itself):
-- ::: {.content-visible when-format="html"} … ::: and .content-hidden / unless-format.
local function conditional(div)
  local visible = has_class(div, "content-visible")
  local hidden = has_class(div, "content-hidden")
  if not (visible or hidden) then
    return nil
  end
  local when, unless = div.attributes["when-format"], div.attributes["unless-format"]
  local function matches(name)
    return name ~= nil and (FORMAT:match(name) ~= nil or (name == "pdf" and is_typst))
  end
  local show
  if when then
    show = matches(when)
  elseif unless then
    show = not matches(unless)
  else
    show = true
  end
  if hidden then
    show = not show
  end
  if show then
    return div.content
  end
  return {}
end

local function callout(div)
  local kind = nil
  if has_class(div, "callout-note") then
    kind = "note"
  elseif has_class(div, "callout-warning") then
    kind = "warning"
  end
  if kind == nil then
    return nil
  end
  local content = pandoc.List(div.content)
  local title = nil
  if #content > 0 and content[1].t == "Header" then
    title = content[1].content
    content:remove(1)
  end
  if is_typst then
    local head = '#ib-callout(kind: "' .. kind .. '"'
    if title then
      head = head .. ", title: [" .. typst_inlines(title) .. "]"
    end
    local blocks = pandoc.List({ pandoc.RawBlock("typst", head .. ")[") })
    blocks:extend(content)
    blocks:insert(pandoc.RawBlock("typst", "]"))
    return blocks
  end
  local default_title = (kind == "warning") and "Achtung" or "Hinweis"
  local title_par = pandoc.Para({ pandoc.Strong(title or { pandoc.Str(default_title) }) })
  local inner = pandoc.List({ pandoc.Div({ title_par }, pandoc.Attr("", { "callout-title" })) })
  inner:extend(content)
  local attrs = { role = "note" }
  return pandoc.Div(inner, pandoc.Attr(div.identifier, { "callout", "callout-" .. kind }, attrs))
end

local function html_attr(s)
  s = s:gsub("&", "&amp;"):gsub('"', "&quot;"):gsub("<", "&lt;"):gsub(">", "&gt;")
  return s
end

-- Website: a figure from the chapter helper carries `ib-png` (the PNG for screens) and
-- `ib-mobile` (a narrower rendition with the same font sizes, legible on a phone); the image
-- itself is the SVG (vector) the PDF uses. In HTML it becomes <picture> with both PNGs.
local function responsive_image(img, alt)
  local png = img.attributes["ib-png"]
  local mobile = img.attributes["ib-mobile"]
  if png == nil then
    return nil
  end
  local src = png
  local html = "<picture>"
  if mobile ~= nil then
    html = html .. '<source media="(max-width: 40em)" srcset="' .. html_attr(mobile) .. '">'
  end
  html = html .. '<img src="' .. html_attr(src) .. '" alt="' .. html_attr(alt) .. '" class="ib-figure-img"'
    .. '></picture>'
  return pandoc.RawInline("html", html)
end

local function figure_image(fig)
  local img = nil
  fig:walk({
    Image = function(i)
      if img == nil then
        img = i
      end
    end,
  })
  return img
end

local function Figure(fig)
  local img = figure_image(fig)
  if img == nil then
    return nil
  end
  local alt = img.attributes["fig-alt"]
  if alt == nil or alt == "" then
    alt = pandoc.utils.stringify(fig.caption.long)
  end
  if is_typst then
    local cap = ""
    local caption_inlines = pandoc.utils.blocks_to_inlines(fig.caption.long)
    if #caption_inlines > 0 then
      cap = ", caption: [" .. typst_inlines(caption_inlines) .. "]"
    end
    local code = "#figure(image(" .. typst_string(img.src) .. ", alt: " .. typst_string(alt)
      .. ", width: 100%)" .. cap .. ")"
    if fig.identifier ~= "" then
      code = code .. " <" .. fig.identifier .. ">"
    end
    return pandoc.RawBlock("typst", code)
  end
  -- HTML: alt text from fig-alt, number before the caption.
  fig = fig:walk({
    Image = function(i)
      local picture = responsive_image(i, alt)
      if picture ~= nil then
        return picture
      end
      i.caption = { pandoc.Str(alt) }
      i.attributes["fig-alt"] = nil
      return i
    end,
  })
  local ref = refs[fig.identifier]
  if ref and #fig.caption.long > 0 then
    local first = fig.caption.long[1]
    if first.content then
      first.content:insert(1, pandoc.Span({ pandoc.Str(ref.label .. ":") }, pandoc.Attr("", { "ib-number" })))
      first.content:insert(2, pandoc.Space())
    end
  end
  return fig
end

-- Column widths for the PDF from the cell texts (Typst, 9.5 pt, text width 462 pt):
-- every column is at least as wide as its widest unbreakable piece -- a number or date in
-- the body, a word of the (bold, never hyphenated) header -- so no cell prints over its
-- neighbour and no header breaks inside a word; the remaining width goes to the columns
-- with long texts, in proportion to how much more room they would use.
-- A table whose unbreakable pieces do not fit at 9.5 pt is set smaller (down to 8 pt); if
-- that is not enough, its long header words may hyphenate ("Einwanderungs-geschichte").
local PAGE_PT, BODY_CHAR_PT, HEAD_CHAR_PT, INSET_PT = 462, 6.0, 6.6, 11
local TABLE_PT, MIN_TABLE_PT, HEAD_PIECE_CHARS = 9.5, 8.0, 11

local function is_numberish(text)
  return text:match("^[%s%d%.,%%+%-−–±()/x…|pPrs]*$") ~= nil
    or text:match("^[%(]?[+−%-]?[%d%.]+,?%d*[%)]? ?[%%‰]?$") ~= nil
    or text:match("^[+−%-]?[%d%.]+,?%d* Pp%.$") ~= nil
end

-- per column at 9.5 pt: what the body needs unbroken, what a header word needs unbroken and
-- hyphenated, and what the column would like for its long texts
local function measure(tbl, ncol)
  local body, head, head_hyph, want = {}, {}, {}, {}
  for i = 1, ncol do
    body[i], head[i], head_hyph[i], want[i] = 2, 2, 2, 2
  end
  local function visit_rows(rows, header)
    for _, row in ipairs(rows) do
      for i, cell in ipairs(row.cells) do
        if i <= ncol then
          local text = pandoc.utils.stringify(cell.contents)
          local n = utf8.len(text) or #text
          if header then -- a header wraps between its words: only the body asks for more
            for w in text:gmatch("%S+") do
              -- a compound with a hyphen may break after it ("Nordrhein-" / "Westfalen")
              for part in w:gmatch("[^-]+%-?") do
                local m = utf8.len(part) or #part
                head[i] = math.max(head[i], m * HEAD_CHAR_PT)
                head_hyph[i] = math.max(head_hyph[i], math.min(m, HEAD_PIECE_CHARS) * HEAD_CHAR_PT)
              end
            end
          else
            want[i] = math.max(want[i], math.min(n, 70) * BODY_CHAR_PT)
            if is_numberish(text) then
              body[i] = math.max(body[i], n * BODY_CHAR_PT) -- numbers stay on one line
            else
              for w in text:gmatch("%S+") do
                for part in w:gmatch("[^-]+%-?") do
                  local m = utf8.len(part) or #part
                  if m <= 16 then
                    body[i] = math.max(body[i], m * BODY_CHAR_PT)
                  end
                end
              end
            end
          end
        end
      end
    end
  end
  visit_rows(tbl.head.rows, true)
  for _, body_ in ipairs(tbl.bodies) do
    visit_rows(body_.body, false)
  end
  return body, head, head_hyph, want
end

local function column_widths(tbl)
  local ncol = #tbl.colspecs
  if ncol < 2 then
    return nil
  end
  local body, head, head_hyph, want = measure(tbl, ncol)
  local avail = PAGE_PT - INSET_PT * ncol
  local function needs(hyphenate)
    local need, sum = {}, 0
    for i = 1, ncol do
      need[i] = math.max(body[i], hyphenate and head_hyph[i] or head[i])
      sum = sum + need[i]
    end
    return need, sum
  end
  local need, sum_need = needs(false)
  local scale, hyphenate = 1, false
  if sum_need > avail then
    scale = math.max(MIN_TABLE_PT / TABLE_PT, avail / sum_need)
    if sum_need * scale > avail then
      hyphenate = true
      need, sum_need = needs(true)
      scale = math.max(MIN_TABLE_PT / TABLE_PT, math.min(1, avail / sum_need))
    end
  end
  local sum_want = 0
  for i = 1, ncol do
    need[i] = need[i] * scale
    want[i] = math.max(want[i] * scale, need[i])
    sum_want = sum_want + want[i]
  end
  sum_need = sum_need * scale
  local widths = {}
  if sum_want <= avail then
    for i = 1, ncol do
      widths[i] = want[i] + (avail - sum_want) * want[i] / sum_want
    end
  elseif sum_need >= avail then
    for i = 1, ncol do
      widths[i] = need[i] * avail / sum_need
    end
  else
    local extra = avail - sum_need
    for i = 1, ncol do
      widths[i] = need[i] + extra * (want[i] - need[i]) / (sum_want - sum_need)
    end
  end
  for i = 1, ncol do
    tbl.colspecs[i] = { tbl.colspecs[i][1], (widths[i] + INSET_PT) / PAGE_PT }
  end
  if scale == 1 and not hyphenate then
    return tbl
  end
  -- the smaller size and the header hyphenation hold for this table only
  local rules = string.format("#show table: set text(size: %.1fpt)\n", TABLE_PT * scale)
  if hyphenate then
    rules = rules .. "#show table.cell.where(y: 0): set text(hyphenate: true)\n"
  end
  return { pandoc.RawBlock("typst", "#[\n" .. rules), tbl, pandoc.RawBlock("typst", "]") }
end

local function Table(tbl)
  if is_typst then
    return column_widths(tbl)
  end
  if not is_html then
    return nil
  end
  local ref = refs[tbl.identifier]
  local label = "Tabelle"
  if ref and #tbl.caption.long > 0 then
    local first = tbl.caption.long[1]
    if first.content then
      first.content:insert(1, pandoc.Span({ pandoc.Str(ref.label .. ":") }, pandoc.Attr("", { "ib-number" })))
      first.content:insert(2, pandoc.Space())
    end
  end
  if #tbl.caption.long > 0 then
    label = pandoc.utils.stringify(tbl.caption.long)
  end
  -- A wide table scrolls on its own on small screens (the region is reachable by keyboard);
  -- its caption stays above the scrolling area, always visible, and keeps the table's anchor.
  local caption = tbl.caption.long
  local ident = tbl.identifier
  tbl.caption = { long = {}, short = nil }
  tbl.identifier = ""
  local scroll = pandoc.Div({ tbl }, pandoc.Attr("", { "table-scroll" },
    { { "tabindex", "0" }, { "role", "region" }, { "aria-label", label } }))
  if #caption == 0 then
    return scroll
  end
  local cap = pandoc.Div(caption, pandoc.Attr("", { "ib-table-caption" }))
  return pandoc.Div({ cap, scroll }, pandoc.Attr(ident, { "ib-table" }))
end

local function Cite(cite)
  local out = pandoc.List()
  local handled = false
  for i, c in ipairs(cite.citations) do
    local id = c.id
    if id:match("^fig%-") or id:match("^tbl%-") then
      handled = true
      if i > 1 then
        out:insert(pandoc.Str(","))
        out:insert(pandoc.Space())
      end
      if is_typst then
        out:insert(pandoc.RawInline("typst", "@" .. id))
      else
        local ref = refs[id]
        if ref then
          out:insert(pandoc.Link({ pandoc.Str(ref.label) }, ref.href))
        else
          io.stderr:write("IB-UNRESOLVED " .. id .. "\n")
          out:insert(pandoc.Str(id))
        end
      end
    end
  end
  if handled then
    return out
  end
  return nil
end

local function Link(link)
  if not is_html then
    return nil
  end
  local target = link.target
  if target:match("^%a[%w+.-]*:") then
    return nil -- absolute URL
  end
  local path, frag = target:match("^([^#]*)(#?.*)$")
  if path:match("%.ipynb$") or path:match("%.qmd$") then
    link.target = path:gsub("%.ipynb$", ".html"):gsub("%.qmd$", ".html") .. frag
    return link
  end
  return nil
end

local function Header(h)
  if is_html and h.level == 1 and chapter_number then
    h.content:insert(1, pandoc.Span({ pandoc.Str(chapter_number) }, pandoc.Attr("", { "chapter-number" })))
    h.content:insert(2, pandoc.Space())
    return h
  end
  return nil
end

-- Section numbers in HTML exactly as Typst numbers them in the PDF ("1.2", "A.1", "2.1.1"):
-- counted in document order, unnumbered headings and .ib-data blocks do not count, the
-- first heading of a callout is its title. Runs before the callouts are converted.
local function number_sections(doc)
  if not (is_html and chapter_number) then
    return nil
  end
  local counters = {}
  local function go(blocks, in_callout)
    for idx, b in ipairs(blocks) do
      if b.t == "Header" and b.level >= 2 and not (in_callout and idx == 1)
          and not has_class(b, "unnumbered") then
        counters[b.level] = (counters[b.level] or 0) + 1
        for l = b.level + 1, 9 do
          counters[l] = 0
        end
        local parts = { chapter_number }
        for l = 2, b.level do
          parts[#parts + 1] = tostring(counters[l] or 0)
        end
        b.content:insert(1, pandoc.Span({ pandoc.Str(table.concat(parts, ".")) }, pandoc.Attr("", { "section-number" })))
        b.content:insert(2, pandoc.Space())
      elseif b.t == "Div" and not has_class(b, "ib-data") then
        go(b.content, has_class(b, "callout-note") or has_class(b, "callout-warning"))
      end
    end
  end
  go(doc.blocks, false)
  return doc
end

local function Meta(meta)
  if meta["ib-refs"] then
    for id, r in pairs(meta["ib-refs"]) do
      refs[id] = {
        label = pandoc.utils.stringify(r.label),
        href = pandoc.utils.stringify(r.href),
      }
    end
  end
  if meta["ib-chapter-number"] then
    local n = pandoc.utils.stringify(meta["ib-chapter-number"])
    if n ~= "" then
      chapter_number = n
    end
  end
  if meta["ib-data-label"] then
    data_label = pandoc.utils.stringify(meta["ib-data-label"])
  end
  return nil
end

-- "Demodaten" banner at the top of every Quarto HTML page (the pandoc renderer's page
-- template and the Typst template show it themselves).
local function demo_banner(doc)
  local edition = doc.meta.edition
  if is_html and type(edition) == "table" and edition.demo == true then
    doc.blocks:insert(1, pandoc.RawBlock("html",
      '<div class="demo-banner" role="note"><strong>Demodaten:</strong> Diese Ausgabe beruht auf '
      .. "erzeugten Demodaten und enthält keine amtlichen Ergebnisse.</div>"))
    return doc
  end
  return nil
end

-- Under Quarto the figure stays Quarto's (numbering, caption); only the image becomes the
-- same <picture> as on the pandoc website.
local function quarto_image(img)
  if not is_html then
    return nil
  end
  local alt = img.attributes["fig-alt"] or pandoc.utils.stringify(img.caption)
  return responsive_image(img, alt)
end

if is_quarto then
  return {
    { Div = data_block },
    { Image = quarto_image },
    { Pandoc = demo_banner },
  }
end

return {
  { Meta = Meta },
  { Pandoc = number_sections },
  {
    Div = function(div)
      local d = data_block(div) or conditional(div)
      if d ~= nil then
        return d
      end
      return callout(div)
    end,
  },
  { Figure = Figure, Table = Table, Cite = Cite, Link = Link, Header = Header },
}
