# Render a 20-line template with 10 interpolations 200,000 times, summing the lengths.
names = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"]
streets = ["12 Main Street", "7 Harbour Road", "301 Elm Avenue"]
cities = ["Lisbon", "Oslo", "Kyoto", "Quito", "Perth"]
statuses = ["pending", "packed", "shipped"]


def render(i):
    name = names[i % 4]
    order = 100000 + i
    count = i % 7 + 1
    subtotal = i / 4
    tax = i % 100
    total = subtotal + tax
    street = streets[i % 3]
    city = cities[i % 5]
    status = statuses[i % 3]
    code = "QX" + str(i * 7919 % 100000)
    return f"""\
Order confirmation
==================
Customer: {name}
Order number: {order}
Items: {count}
Subtotal: {subtotal}
Tax: {tax}
Total: {total}

Shipping to:
  {street}
  {city}

Status: {status}
Tracking code: {code}

Thank you for shopping with us.
If you have any questions, reply to this message.
--
The Quill Store"""


def main():
    total = 0
    for i in range(200000):
        total += len(render(i))
    print(total)
    print(render(199999))


main()
