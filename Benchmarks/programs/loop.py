# A tight integer loop: 20,000,000 iterations of multiply, modulo, add.
def main():
    total = 0
    for i in range(20000000):
        total += i * i % 7
    print(total)


main()
