package seed

// What generated demo data is made of: names, places and words spread the
// way a real firm's are.
var (
	firstNames = []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
		"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Christopher",
		"Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Margaret", "Donald", "Ashley", "Steven",
		"Kimberly", "Andrew", "Emily", "Paul", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda", "Brian",
		"Melissa", "George", "Deborah", "Timothy", "Stephanie", "Ronald", "Rebecca", "Jason", "Sharon", "Edward", "Laura",
		"Jeffrey", "Cynthia", "Ryan", "Dorothy", "Jacob", "Amy", "Gary", "Kathleen", "Nicholas", "Angela", "Eric", "Shirley",
		"Jonathan", "Emma", "Stephen", "Brenda", "Larry", "Pamela", "Justin", "Nicole", "Scott", "Anna", "Brandon", "Samantha",
		"Benjamin", "Katherine", "Samuel", "Christine", "Gregory", "Debra", "Alexander", "Rachel", "Patrick", "Carolyn", "Frank",
		"Janet", "Raymond", "Maria", "Jack", "Olivia", "Dennis", "Heather", "Jerry", "Helen", "Tyler", "Catherine", "Aaron",
		"Diane", "José", "Julie", "Adam", "Victoria", "Nathan", "Joyce", "Henry", "Lauren", "Zachary", "Kelly", "Douglas",
		"Christina", "Peter", "Ruth", "Kyle", "Joan", "Noah", "Virginia", "Ethan", "Judith", "Jeremy", "Evelyn", "Christian",
		"Hannah", "Walter", "Andrea", "Keith", "Megan", "Austin", "Cheryl", "Roger", "Jacqueline", "Terry", "Madison", "Sean",
		"Teresa", "Gerald", "Abigail", "Carl", "Sophia", "Dylan", "Martha", "Harold", "Sara", "Jordan", "Gloria", "Jesse",
		"Janice", "Bryan", "Kathryn", "Lawrence", "Ann", "Arthur", "Isabella", "Gabriel", "Judy", "Bruce", "Charlotte", "Logan",
		"Julia", "Billy", "Grace", "Joe", "Amber", "Alan", "Alice", "Juan", "Jean", "Elijah", "Denise", "Willie", "Frances",
		"Albert", "Danielle", "Wayne", "Marilyn", "Randy", "Natalie", "Mason", "Beverly", "Vincent", "Diana", "Liam", "Brittany",
		"Roy", "Theresa", "Bobby", "Kayla", "Caleb", "Alexis", "Bradley", "Doris", "Russell", "Lori", "Lucas", "Tiffany",
		"Wei", "Priya", "Mohammed", "Aisha", "Hiroshi", "Yuki", "Carlos", "Lucía", "Dmitri", "Olga", "Chinedu", "Ngozi"}
	lastNames = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
		"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
		"Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen",
		"King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera",
		"Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz",
		"Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz",
		"Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson",
		"Watson", "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez",
		"Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez", "Powell", "Jenkins", "Perry", "Russell",
		"Sullivan", "Bell", "Coleman", "Butler", "Henderson", "Barnes", "Gonzales", "Fisher", "Vasquez", "Simmons", "Romero",
		"Jordan", "Patterson", "Alexander", "Hamilton", "Graham", "Reynolds", "Griffin", "Wallace", "Moreno", "West", "Cole",
		"Hayes", "Bryant", "Herrera", "Gibson", "Ellis", "Tran", "Medina", "Aguilar", "Stevens", "Murray", "Ford", "Castro",
		"Marshall", "Owens", "Harrison", "Fernandez", "McDonald", "Woods", "Washington", "Kennedy", "Wells", "Vargas", "Henry",
		"Chen", "Freeman", "Webb", "Tucker", "Guzman", "Burns", "Crawford", "Olson", "Simpson", "Porter", "Hunter", "Gordon",
		"Mendez", "Silva", "Shaw", "Snyder", "Mason", "Dixon", "Muñoz", "Hunt", "Hicks", "Holmes", "Palmer", "Wagner", "Black",
		"Robertson", "Boyd", "Rose", "Stone", "Salazar", "Fox", "Warren", "Mills", "Meyer", "Rice", "Schmidt", "Garza",
		"Daniels", "Ferguson", "Nichols", "Stephens", "Soto", "Weaver", "Ryan", "Gardner", "Payne", "Grant", "Dunn", "O'Brien",
		"O'Connor", "Kowalski", "Nakamura", "Singh", "Okafor", "Haddad", "Ivanov", "Novak", "Larsen", "Dubois", "Rossi"}
	companyWords = []string{"Holdings LLC", "Construction Inc.", "Logistics Co.", "Dental Group", "Realty LLC",
		"Manufacturing Corp.", "Family Trust", "Properties LP", "Auto Repair", "Bakery", "Consulting LLC", "Farms Inc.",
		"Insurance Agency", "Medical Associates", "Trucking LLC", "Restaurant Group", "Landscaping", "Roofing Co."}
	emailDomains = []string{"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com", "comcast.net",
		"proton.me", "example.com", "mail.com"}
	// US and Canadian area codes, the big cities' more often.
	areaCodes = []string{"212", "646", "718", "917", "347", "213", "310", "323", "818", "415", "408", "510", "650", "312",
		"773", "847", "713", "281", "832", "214", "972", "469", "602", "480", "215", "267", "210", "619", "858", "512",
		"904", "614", "704", "317", "206", "303", "720", "202", "617", "857", "313", "615", "901", "503", "702", "502",
		"414", "505", "520", "559", "916", "305", "786", "954", "561", "407", "813", "727", "404", "678", "770", "919",
		"984", "804", "757", "410", "443", "301", "240", "973", "201", "732", "516", "631", "914", "860", "203", "401",
		"603", "207", "802", "416", "647", "437", "514", "438", "604", "778", "403", "587", "780", "613", "204", "306",
		"902"}
	practiceAreas = []string{"Personal injury", "Family law", "Estate planning", "Real estate", "Employment",
		"Criminal defense", "Immigration", "Business", "Bankruptcy", "Workers' compensation", "Probate", "Landlord-tenant"}
	relationships = []string{"Spouse", "Employer", "Witness", "Insurance adjuster", "Parent", "Opposing counsel",
		"Guardian", "Accountant"}
	textBodies = []string{"Hi, just checking on my case.", "Thanks, got it.", "Can you call me back when you have a minute?",
		"I sent the photos of the damage.", "What time is the hearing?", "Running 10 minutes late, sorry.",
		"Yes, Tuesday works for me.", "Did the insurance company respond?", "I found the receipts you asked for.",
		"OK", "Please email me the forms.", "Is there anything else you need from me?", "The doctor's appointment went fine.",
		"Can we move our meeting to Friday?", "I signed and mailed the documents today.", "Who should I talk to about billing?",
		"Got the letter, thanks!", "My new address is on the form.", "The other driver's insurer called me. What do I say?",
		"Reminder: your appointment is tomorrow at 10:00 AM.", "We received your documents, thank you.",
		"Please bring a photo ID to the meeting.", "Your hearing has been rescheduled; we will send details.",
		"Call us at your convenience.", "We filed the motion this morning.", "Good news: the offer came in.",
		"Let us know if you have questions.", "Please reply Y to confirm or N to decline."}
	documentKinds = []string{"Engagement letter", "Medical records", "Police report", "Invoice", "Settlement offer",
		"Deposition transcript", "Motion", "Correspondence", "Photos", "Contract", "Court order", "Tax return", "Lease",
		"Pleadings", "Discovery"}
	eventTitles = []string{"Client meeting", "Deposition", "Court hearing", "Mediation", "Phone consultation",
		"Document signing", "Case review", "Settlement conference", "Filing deadline", "Site visit"}
)
